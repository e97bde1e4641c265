package dev.atrium.usage.web;

import dev.atrium.common.ReportReads;
import dev.atrium.identity.Caller;
import dev.atrium.usage.Forecasts;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET …/forecast}: burn rates and projected exhaustion of the pool and of each workspace. */
@RestController
class ForecastController {
    private final Scope scope;
    private final Forecasts forecasts;
    private final ReportReads reads;

    ForecastController(Scope scope, Forecasts forecasts, ReportReads reads) {
        this.scope = scope;
        this.forecasts = forecasts;
        this.reads = reads;
    }

    @GetMapping("/api/v1/organizations/{org}/forecast")
    Forecasts.Forecast forecast(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, HttpServletResponse response) {
        var o = scope.all(caller, org).org();
        return reads.read(response, () -> forecasts.forecast(o));
    }
}
