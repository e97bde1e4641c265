package dev.atrium.gateway.settle;

/** What the settlement journal holds: a call's settlement, or a leased stream's progress. */
public sealed interface Journaled permits Settlement, StreamProgress {}
