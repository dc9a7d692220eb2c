package io.jobpool;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Keeps the package flow of docs/architecture.md: {@code api -> job -> execution -> function}, no cycles;
 * {@code api} also reads {@code execution}'s run options (the one record from request to engine);
 * {@code security} sits beside {@code api} (which reads the tenant it establishes) and stands alone.
 * The domain ({@code job}, {@code execution}, {@code function}) knows nothing of HTTP.
 */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jobpool");

    @Test
    void packagesDependOnlyDownTheFlow() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("config").definedBy("io.jobpool.config..")
                .layer("api").definedBy("io.jobpool.api..")
                .layer("security").definedBy("io.jobpool.security..")
                .layer("job").definedBy("io.jobpool.job..")
                .layer("execution").definedBy("io.jobpool.execution..")
                .layer("function").definedBy("io.jobpool.function..")
                .layer("cluster").definedBy("io.jobpool.cluster..")
                .whereLayer("config").mayNotBeAccessedByAnyLayer()
                .whereLayer("cluster").mayOnlyBeAccessedByLayers("config")
                .whereLayer("api").mayOnlyBeAccessedByLayers("config")
                .whereLayer("security").mayOnlyBeAccessedByLayers("api", "config")
                // cluster implements the ports job declares (SharedJobs), with execution's outcomes in them
                .whereLayer("job").mayOnlyBeAccessedByLayers("api", "config", "cluster")
                .whereLayer("execution").mayOnlyBeAccessedByLayers("api", "job", "config", "cluster")
                .whereLayer("function").mayOnlyBeAccessedByLayers("api", "job", "execution", "config")
                .check(CLASSES);
    }

    @Test
    void theDomainKnowsNothingOfHttp() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideInAnyPackage("io.jobpool.job..", "io.jobpool.execution..", "io.jobpool.function..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.web..", "org.springframework.http..",
                        "jakarta.servlet..", "org.apache.catalina..", "org.apache.tomcat..")
                .because("refusals are typed (io.jobpool.job.Refusal); io.jobpool.api.ProblemType says how each is answered")
                .check(CLASSES);
    }

    /** DESIGN.md §2: cluster implements the core's ports; the core never imports Hazelcast. */
    @Test
    void onlyTheClusterAdaptersKnowHazelcast() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideOutsideOfPackages("io.jobpool.cluster..", "io.jobpool.config..")
                .should().dependOnClassesThat().resideInAPackage("com.hazelcast..")
                .check(CLASSES);
    }

    @Test
    void functionSpiDependsOnNothingOfTheService() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideInAPackage("io.jobpool.function.spi..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.jobpool.function.spi..", "java..")
                .check(CLASSES);
    }

    @Test
    void javaClientStandsAlone() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideInAPackage("io.jobpool.client..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.jobpool.client..", "java..",
                        "tools.jackson..", "com.fasterxml.jackson.annotation..")
                .check(CLASSES);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideOutsideOfPackage("io.jobpool.client..")
                .should().dependOnClassesThat().resideInAPackage("io.jobpool.client..")
                .check(CLASSES);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.jobpool.(*)..").should().beFreeOfCycles().check(CLASSES);
    }
}
