package dev.atrium.usage.web;

import dev.atrium.identity.Caller;
import dev.atrium.usage.Forecasts;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET …/forecast}: burn rates and projected exhaustion of the pool and of each workspace. */
@RestController
class ForecastController {
    private final Scope scope;
    private final Forecasts forecasts;

    ForecastController(Scope scope, Forecasts forecasts) {
        this.scope = scope;
        this.forecasts = forecasts;
    }

    @GetMapping("/api/v1/organizations/{org}/forecast")
    Forecasts.Forecast forecast(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return forecasts.forecast(scope.all(caller, org).org());
    }
}
