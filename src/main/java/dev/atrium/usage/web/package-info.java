/**
 * REST endpoints of usage (reports, summaries, ingestion, statements, forecasts, performance) and
 * the console pages that read usage: the overview, members with their credits, usage charts and
 * the client statement.
 */
@NullMarked
package dev.atrium.usage.web;

import org.jspecify.annotations.NullMarked;
