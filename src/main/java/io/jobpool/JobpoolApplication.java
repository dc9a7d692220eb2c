package io.jobpool;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The jobpool service: Python's {@code multiprocessing.Pool} over HTTP. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class JobpoolApplication {

    public static void main(String[] args) {
        SpringApplication.run(JobpoolApplication.class, args);
    }
}
