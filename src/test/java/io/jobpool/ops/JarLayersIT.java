package io.jobpool.ops;

import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile copies the packaged jar's layers by name ({@link DockerfileTest} checks their order): the
 * jar that {@code package} built must declare exactly those layers and hold the launcher the image starts.
 * An IT, so that it runs after {@code package}, on every build.
 */
class JarLayersIT {

    @Test
    void layerNamesAreTheOnesTheBuiltJarDeclares() throws IOException {
        try (ZipFile zip = new ZipFile(PackagedJar.path().toFile());
             InputStream index = zip.getInputStream(zip.getEntry("BOOT-INF/layers.idx"))) {
            List<String> declared = Pattern.compile("^- \"([^\"]+)\":$", Pattern.MULTILINE)
                    .matcher(new String(index.readAllBytes(), StandardCharsets.UTF_8)).results().map(r -> r.group(1)).toList();
            assertThat(declared).containsExactlyElementsOf(DockerfileTest.LAYERS);
            assertThat(zip.getEntry(DockerfileTest.LAUNCHER.replace('.', '/') + ".class")).as("launcher class in the jar").isNotNull();
        }
    }
}
