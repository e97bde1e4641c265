package dev.atrium;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/** Verifies the capability boundaries: no cycles, no reaching into another module's internals. */
class ModularityTests {
    private final ApplicationModules modules = ApplicationModules.of(AtriumApplication.class);

    @Test
    void capabilitiesRespectTheirBoundaries() {
        modules.verify();
    }

    @Test
    void writesModuleDocumentation() {
        new Documenter(modules).writeModulesAsPlantUml().writeIndividualModulesAsPlantUml();
    }
}
