package dev.atrium;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Atrium: organizations, workspaces, credits and an AI gateway. */
@SpringBootApplication
@EnableScheduling
public class AtriumApplication {

    public static void main(String[] args) {
        SpringApplication.run(AtriumApplication.class, args);
    }
}
