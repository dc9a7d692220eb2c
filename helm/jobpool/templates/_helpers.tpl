{{/* Chart name, at most 63 characters. */}}
{{- define "jobpool.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "jobpool.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "jobpool.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "jobpool.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jobpool.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "jobpool.labels" -}}
helm.sh/chart: {{ include "jobpool.chart" . }}
{{ include "jobpool.selectorLabels" . }}
app.kubernetes.io/version: {{ (.Values.image.tag | default .Chart.AppVersion) | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "jobpool.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "jobpool.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "jobpool.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/* The Secret holding the API keys file: the existing one, or the chart's own. Empty if neither. */}}
{{- define "jobpool.keysSecretName" -}}
{{- if .Values.security.existingSecret }}
{{- .Values.security.existingSecret }}
{{- else if .Values.security.apiKeys }}
{{- printf "%s-api-keys" (include "jobpool.fullname" .) }}
{{- end }}
{{- end }}

{{/* The key of that Secret holding the key:tenant file; also the file's name in the pod. */}}
{{- define "jobpool.keysFileKey" -}}
{{- .Values.security.existingSecretKey | default "api-keys" }}
{{- end }}

{{/* The headless Service naming every pod; cluster mode discovers its members through it. */}}
{{- define "jobpool.headlessServiceName" -}}
{{- printf "%s-headless" (include "jobpool.fullname" .) }}
{{- end }}

{{/* Its fully qualified DNS name: jobpool.cluster.kubernetes-dns. */}}
{{- define "jobpool.clusterDns" -}}
{{- printf "%s.%s.svc.%s" (include "jobpool.headlessServiceName" .) .Release.Namespace (.Values.cluster.clusterDomain | default "cluster.local") }}
{{- end }}

{{/* The Hazelcast cluster's name: cluster.name, or the release's full name. */}}
{{- define "jobpool.clusterName" -}}
{{- .Values.cluster.name | default (include "jobpool.fullname" .) }}
{{- end }}

{{/*
Whole seconds, rounded up, of a duration as the service reads it (a number with ms, s, m, h or d; a bare
number is milliseconds, as in Spring). Call with (list "cluster.leaveTimeout" value); fails on anything else.
*/}}
{{- define "jobpool.durationSeconds" -}}
{{- $name := index . 0 }}
{{- $text := index . 1 | toString }}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h|d)?$" $text) }}
{{- fail (printf "jobpool: %s: %q is not a duration: a whole number with ms, s, m, h or d, e.g. 20s" $name $text) }}
{{- end }}
{{- $n := regexFind "^[0-9]+" $text | int64 }}
{{- $unit := trimPrefix (regexFind "^[0-9]+" $text) $text }}
{{- if eq $unit "s" }}{{ $n }}
{{- else if eq $unit "m" }}{{ mul $n 60 }}
{{- else if eq $unit "h" }}{{ mul $n 3600 }}
{{- else if eq $unit "d" }}{{ mul $n 86400 }}
{{- else }}{{ div (add $n 999) 1000 }}
{{- end }}
{{- end }}

{{/* The pod's grace: the service's drain, plus the member's leave in cluster mode. */}}
{{- define "jobpool.terminationGracePeriodSeconds" -}}
{{- if .Values.cluster.enabled }}
{{- add (int64 .Values.terminationGracePeriodSeconds) (include "jobpool.durationSeconds" (list "cluster.leaveTimeout" .Values.cluster.leaveTimeout) | int64) }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
Refuses to render an open service: the pod listens on 0.0.0.0, where the service itself refuses to start
without keys unless allow-anonymous is set. Fail here, with the fix, rather than in a crash loop.
*/}}
{{- define "jobpool.validate" -}}
{{- $sec := .Values.security }}
{{- if and (not $sec.apiKeys) (not $sec.existingSecret) (not $sec.allowAnonymous) }}
{{- fail "jobpool: no API keys. Set security.apiKeys (key:tenant pairs), or security.existingSecret (a Secret with a key:tenant file), or security.allowAnonymous=true to run open on purpose." }}
{{- end }}
{{- range $i, $entry := $sec.apiKeys }}
{{- if not (regexMatch "^[^:\\s]{16,}:[A-Za-z0-9._-]{1,64}$" (toString $entry)) }}
{{- fail (printf "jobpool: security.apiKeys[%d] is not a key:tenant pair (key at least 16 characters, tenant 1-64 of A-Z a-z 0-9 . _ -)" $i) }}
{{- end }}
{{- end }}
{{- if hasKey .Values.jobpool "security" }}
{{- fail "jobpool: do not set jobpool.security.* (it would land in the ConfigMap); use the chart's security.* values." }}
{{- end }}
{{- if hasKey .Values.jobpool "plugins" }}
{{- fail "jobpool: set plugins.dir and plugins.volume instead of jobpool.plugins.*" }}
{{- end }}
{{- if and .Values.plugins.dir (not .Values.plugins.volume) }}
{{- fail "jobpool: plugins.dir needs plugins.volume (the volume the plugin jars come from)" }}
{{- end }}
{{- if hasKey .Values.jobpool "process-functions" }}
{{- fail "jobpool: set processFunctions.<name> instead of jobpool.process-functions.<name>" }}
{{- end }}
{{- range $name, $fn := .Values.processFunctions }}
{{- if not (regexMatch "^[a-z0-9][a-z0-9-]*$" $name) }}
{{- fail (printf "jobpool: processFunctions.%s: a name is lower-case letters, digits and '-' (it is a property key and what clients send as \"function\")" $name) }}
{{- end }}
{{- if or (not (kindIs "map" $fn)) (not (kindIs "slice" (get $fn "command"))) (not (get $fn "command")) }}
{{- fail (printf "jobpool: processFunctions.%s.command must be a list: the program and its arguments, e.g. [python3, /opt/functions/%s.py]" $name $name) }}
{{- end }}
{{- end }}
{{- if and .Values.functions.files .Values.functions.volume }}
{{- fail "jobpool: set functions.files or functions.volume, not both (one volume at functions.mountPath)" }}
{{- end }}
{{- range $file, $_ := .Values.functions.files }}
{{- if not (regexMatch "^[-._a-zA-Z0-9]+$" $file) }}
{{- fail (printf "jobpool: functions.files: %q is not a ConfigMap key (a file name of letters, digits, '-', '_', '.')" $file) }}
{{- end }}
{{- end }}
{{- if hasKey .Values.jobpool "cluster" }}
{{- fail "jobpool: set cluster.* (cluster.enabled, cluster.port, ...) instead of jobpool.cluster.*" }}
{{- end }}
{{- if .Values.cluster.enabled }}
{{- $c := .Values.cluster }}
{{- $port := int $c.port }}
{{- if or (lt $port 1) (gt $port 65535) (eq $port (int .Values.containerPort)) }}
{{- fail (printf "jobpool: cluster.port %v must be a TCP port (1-65535) other than containerPort" $c.port) }}
{{- end }}
{{- $heartbeat := include "jobpool.durationSeconds" (list "cluster.heartbeat" $c.heartbeat) | int64 }}
{{- $silence := include "jobpool.durationSeconds" (list "cluster.maxNoHeartbeat" $c.maxNoHeartbeat) | int64 }}
{{- $_ := include "jobpool.durationSeconds" (list "cluster.leaveTimeout" $c.leaveTimeout) }}
{{- if or (lt (int $c.quorum) 0) (gt (int $c.quorum) 0 | and (lt (int $c.quorum) 2)) }}
{{- fail (printf "jobpool: cluster.quorum %v must be 0 (no check) or at least 2" $c.quorum) }}
{{- end }}
{{- if le $silence $heartbeat }}
{{- fail (printf "jobpool: cluster.maxNoHeartbeat (%v) must be longer than cluster.heartbeat (%v)" $c.maxNoHeartbeat $c.heartbeat) }}
{{- end }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not $sec.metricsOpen) (not .Values.serviceMonitor.bearerTokenSecret) }}
{{- fail "jobpool: serviceMonitor.enabled needs security.metricsOpen=true or serviceMonitor.bearerTokenSecret (name, key of a Secret holding an API key): /actuator/prometheus requires a key otherwise." }}
{{- end }}
{{- end }}

{{/* application.yaml for the ConfigMap: server port, the jobpool.* values, non-secret security flags, cluster mode. */}}
{{- define "jobpool.applicationYaml" -}}
{{- $jobpool := deepCopy .Values.jobpool }}
{{- $_ := set $jobpool "security" (dict "allow-anonymous" .Values.security.allowAnonymous "metrics-open" .Values.security.metricsOpen) }}
{{- if .Values.plugins.dir }}
{{- $_ := set $jobpool "plugins" (dict "dir" .Values.plugins.dir) }}
{{- end }}
{{- if .Values.processFunctions }}
{{- $functions := dict }}
{{- range $name, $fn := .Values.processFunctions }}
{{- $entry := deepCopy $fn }}
{{- if kindIs "map" (get $entry "params-schema") }}
{{- $_ := set $entry "params-schema" (toJson (get $entry "params-schema")) }}
{{- end }}
{{- $_ := set $functions $name $entry }}
{{- end }}
{{- $_ := set $jobpool "process-functions" $functions }}
{{- end }}
{{- if .Values.cluster.enabled }}
{{- $c := .Values.cluster }}
{{- $_ := set $jobpool "cluster" (dict "enabled" true "name" (include "jobpool.clusterName" .) "port" (int $c.port) "kubernetes-dns" (include "jobpool.clusterDns" .) "heartbeat" (toString $c.heartbeat) "max-no-heartbeat" (toString $c.maxNoHeartbeat) "leave-timeout" (toString $c.leaveTimeout) "quorum" (int $c.quorum) "chunk-target-duration" (toString $c.chunkTargetDuration)) }}
{{- end }}
{{- $doc := dict "server" (dict "port" (int .Values.containerPort) "address" "0.0.0.0") "jobpool" $jobpool }}
{{- toYaml $doc }}
{{- end }}
