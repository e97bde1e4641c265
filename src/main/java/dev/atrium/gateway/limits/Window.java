package dev.atrium.gateway.limits;

import java.time.Instant;

/** One window of one limit: an organization's scope (a workspace, key or member) and a metric, from start to end. */
record Window(String org, String scope, Metric metric, Instant start, Instant end) {}
