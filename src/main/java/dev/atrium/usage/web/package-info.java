/** REST endpoints of usage: reports, summaries, ingestion, statements, forecasts, performance. */
@NullMarked
package dev.atrium.usage.web;

import org.jspecify.annotations.NullMarked;
