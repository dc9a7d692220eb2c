package io.jobpool.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Establishes the caller's tenant before anything else reads the request: the API ({@code /v1/...})
 * and, unless they are configured open, {@code /actuator/metrics} and {@code /actuator/prometheus}
 * need a key in {@code Authorization: Bearer <key>} or {@code X-API-Key}; health and info stay open for
 * probes. A missing or unknown key is a 401 problem with {@code WWW-Authenticate}. With no keys
 * configured every caller is the tenant {@value #ANONYMOUS} (the start-up guard allows that only on
 * loopback or when explicitly enabled).
 */
public final class ApiKeyFilter extends OncePerRequestFilter {

    /** The request attribute that carries the caller's tenant to the controllers. */
    public static final String TENANT_ATTRIBUTE = "io.jobpool.tenant";
    public static final String ANONYMOUS = "anonymous";

    private final ApiKeys keys;
    private final boolean metricsOpen;
    private final JsonMapper mapper;

    public ApiKeyFilter(ApiKeys keys, boolean metricsOpen, JsonMapper mapper) {
        this.keys = keys;
        this.metricsOpen = metricsOpen;
        this.mapper = mapper;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!needsKey(path)) {
            request.setAttribute(TENANT_ATTRIBUTE, ANONYMOUS);
            chain.doFilter(request, response);
            return;
        }
        Optional<String> presented = presentedKey(request);
        if (presented.isEmpty()) {
            refuse(request, response, "missing API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
            return;
        }
        Optional<String> tenant = keys.tenantOf(presented.get());
        if (tenant.isEmpty()) {
            refuse(request, response, "the API key is not valid");
            return;
        }
        request.setAttribute(TENANT_ATTRIBUTE, tenant.get());
        chain.doFilter(request, response);
    }

    private boolean needsKey(String path) {
        if (keys.isEmpty()) {
            return false;
        }
        if (path.startsWith("/v1/") || path.equals("/v1")) {
            return true;
        }
        return !metricsOpen && (path.startsWith("/actuator/metrics") || path.startsWith("/actuator/prometheus"));
    }

    private static Optional<String> presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = authorization.substring(7).trim();
            return key.isEmpty() ? Optional.empty() : Optional.of(key);
        }
        String header = request.getHeader("X-API-Key");
        return header == null || header.isBlank() ? Optional.empty() : Optional.of(header.trim());
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, String detail) throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader("WWW-Authenticate", "Bearer realm=\"jobpool\"");
        response.setContentType("application/problem+json");
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "urn:jobpool:problem:unauthorized");
        problem.put("title", "Missing or invalid API key");
        problem.put("status", HttpServletResponse.SC_UNAUTHORIZED);
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        mapper.writeValue(response.getOutputStream(), problem);
    }
}
