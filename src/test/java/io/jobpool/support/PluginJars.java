package io.jobpool.support;

import io.jobpool.function.spi.JobFunction;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds plugin jars for tests the way a plugin author would: compiles sources against nothing but
 * the function SPI (the jobpool-spi jar or classes the service itself runs with) and packages them with
 * their services file.
 */
public final class PluginJars {

    private PluginJars() {
    }

    /** Compiles the example plugin of {@code examples/plugin} into a jar in {@code directory}. */
    public static Path buildExample(Path directory) {
        Path project = Path.of("examples/plugin/src/main");
        return build(directory, "prime-lookup.jar", project.resolve("java"), project.resolve("resources"));
    }

    /** Compiles every {@code .java} under {@code sources} and jars the classes with {@code resources}. */
    public static Path build(Path directory, String jarName, Path sources, Path resources) {
        try {
            Path classes = Files.createTempDirectory("plugin-classes");
            List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-cp", spi(),
                    "--release", "17"));
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(file -> file.toString().endsWith(".java")).forEach(file -> arguments.add(file.toString()));
            }
            JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
            int status = compiler.run(null, null, null, arguments.toArray(String[]::new));
            if (status != 0) {
                throw new IllegalStateException("the plugin does not compile: " + arguments);
            }
            Path jar = directory.resolve(jarName);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                add(out, classes);
                if (resources != null && Files.isDirectory(resources)) {
                    add(out, resources);
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the service's copy of the SPI comes from: spi/target/classes, its jar, or the local repository's. */
    private static String spi() {
        try {
            return Path.of(JobFunction.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A jar holding only the given files (path in the jar to content): for broken plugins. */
    public static Path withFiles(Path directory, String jarName, Map<String, String> files) {
        Path jar = directory.resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                out.putNextEntry(new JarEntry(file.getKey()));
                out.write(file.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.closeEntry();
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(JarOutputStream out, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(root.relativize(file).toString().replace(java.io.File.separatorChar, '/')));
                try (var in = Files.newInputStream(file)) {
                    in.transferTo((OutputStream) out);
                }
                out.closeEntry();
            }
        }
    }
}
