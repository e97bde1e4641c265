package dev.atrium.identity;

import dev.atrium.common.UserId;
import java.time.Instant;

/** A person with an email and a password. */
public record User(UserId id, String email, String name, Instant createdAt) {}
