package io.jobpool;

import io.jobpool.client.JobpoolClient;
import io.jobpool.function.spi.JobFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise of the artifacts others depend on: a plugin that depends on {@code jobpool-spi} gets the
 * SPI and the JDK and nothing else; a program that depends on {@code jobpool-client} gets the client,
 * the JDK and Jackson (the Jackson the service runs with), and compiles with nothing more.
 */
class PublishedArtifactsTest {

    @Test
    void spiPomNamesNoDependencyAndNeitherDoesItsParent() throws Exception {
        Element spi = pom("spi/pom.xml");
        Element parent = pom("pom.xml");

        assertThat(text(child(spi, "parent"), "artifactId")).isEqualTo(text(parent, "artifactId"));
        assertThat(child(parent, "parent")).as("the root POM inherits nothing (no Spring Boot)").isNull();
        for (Element project : List.of(spi, parent)) {
            assertThat(child(project, "dependencies")).isNull();
            assertThat(child(project, "dependencyManagement")).isNull();
        }
    }

    @Test
    void clientPomNamesOnlyJackson() throws Exception {
        Element client = pom("clients/java/pom.xml");

        List<String> runtime = new ArrayList<>();
        for (Element dependency : children(child(client, "dependencies"), "dependency")) {
            if (!"test".equals(text(dependency, "scope"))) {
                runtime.add(text(dependency, "groupId") + ":" + text(dependency, "artifactId"));
            }
        }
        assertThat(runtime).containsExactlyInAnyOrder("tools.jackson.core:jackson-databind",
                "com.fasterxml.jackson.core:jackson-annotations");
        List<Element> managed = children(child(child(client, "dependencyManagement"), "dependencies"), "dependency");
        assertThat(managed).extracting(d -> text(d, "groupId") + ":" + text(d, "artifactId") + ":" + text(d, "scope"))
                .containsExactly("tools.jackson:jackson-bom:import");
    }

    @Test
    void clientUsesTheJacksonTheServiceRunsWith() throws Exception {
        String pinned = text(child(pom("clients/java/pom.xml"), "properties"), "jackson.version");

        assertThat(pinned).isEqualTo(tools.jackson.databind.cfg.PackageVersion.VERSION.toString());
    }

    @Test
    void aProgramCompilesAgainstTheClientAndJacksonAlone(@TempDir Path work) throws Exception {
        Path source = work.resolve("src/Demo.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                import io.jobpool.client.JobRequest;
                import io.jobpool.client.JobpoolClient;
                import java.util.List;

                public class Demo {
                    public static void main(String[] args) {
                        List<Object> squares = JobpoolClient.create(args[0]).map(JobRequest.function("square", List.of(1, 2, 3)));
                        System.out.println(squares);
                    }
                }
                """);
        String classPath = String.join(File.pathSeparator, locationOf(JobpoolClient.class),
                locationOf(tools.jackson.databind.ObjectMapper.class), locationOf(tools.jackson.core.JsonParser.class),
                locationOf(com.fasterxml.jackson.annotation.JsonInclude.class));
        assertThat(classPath).doesNotContain("spring", "jobpool-spi").doesNotContain(locationOf(JobFunction.class));

        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, errors, "-Werror", "-d",
                work.resolve("classes").toString(), "-cp", classPath, "--release", "17", source.toString());

        assertThat(status).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(work.resolve("classes/Demo.class")).exists();
    }

    // ---- POM reading -------------------------------------------------------------------------

    private static Element pom(String path) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of(path).toFile());
        return document.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        Element element = child(parent, name);
        return element == null ? null : element.getTextContent().strip();
    }

    private static String locationOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
