package io.jobpool.function;

import io.jobpool.function.spi.JobFunction;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Loads plugin functions: every {@code *.jar} in the plugins directory gets its own class loader
 * (parent: the service's, so the SPI types are shared and nothing else of a plugin leaks into another)
 * and its {@link JobFunction} implementations are found with {@link ServiceLoader} through
 * {@code META-INF/services/io.jobpool.function.spi.JobFunction}.
 *
 * <p>A plugin that cannot be loaded (a missing class, a constructor that throws, a services entry that
 * names something that is not a JobFunction) stops the start-up with a {@link PluginException} naming
 * the jar: a catalog silently missing a function would be worse than a service that does not start.
 * Called once, at start-up.
 */
public final class PluginLoader {

    private PluginLoader() {
    }

    /** A function and the jar it came from. */
    public record Plugin(JobFunction<?> function, Path jar) {
    }

    /** A plugin jar that cannot be used. */
    public static final class PluginException extends IllegalStateException {
        public PluginException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Every function of every jar in {@code directory}, in file-name order. */
    public static List<Plugin> load(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new PluginException("jobpool.plugins.dir is " + directory.toAbsolutePath() + ", which is not a directory", null);
        }
        List<Plugin> plugins = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path jar : files.filter(path -> path.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                plugins.addAll(loadJar(jar));
            }
        } catch (IOException e) {
            throw new PluginException("cannot list the plugins directory " + directory.toAbsolutePath(), e);
        }
        return plugins;
    }

    @SuppressWarnings("rawtypes")
    private static List<Plugin> loadJar(Path jar) {
        URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {url(jar)},
                JobFunction.class.getClassLoader());
        List<Plugin> found = new ArrayList<>();
        try {
            for (JobFunction function : ServiceLoader.load(JobFunction.class, loader)) {
                found.add(new Plugin(function, jar));
            }
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
            throw new PluginException("plugin " + jar.getFileName() + " cannot be loaded: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new PluginException("plugin " + jar.getFileName() + " declares no function: it needs a "
                    + "META-INF/services/" + JobFunction.class.getName() + " file naming its classes", null);
        }
        return found;
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new PluginException("bad plugin path " + jar, e);
        }
    }
}
