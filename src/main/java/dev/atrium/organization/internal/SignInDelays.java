package dev.atrium.organization.internal;

import dev.atrium.audit.AuditLog;
import dev.atrium.identity.SignInDelayed;
import dev.atrium.organization.Membership;
import java.util.LinkedHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Records in the audit log of each of the user's organizations that failed sign-ins put their
 * account (or the address or device they were tried from) under a delay. The actor is the client
 * address the attempts came from.
 */
@Component
class SignInDelays {
    private final Members members;
    private final AuditLog audit;

    SignInDelays(Members members, AuditLog audit) {
        this.members = members;
        this.audit = audit;
    }

    @EventListener
    @Transactional
    public void on(SignInDelayed e) {
        if (e.user() == null) return; // no such account: no organization to tell
        var details = new LinkedHashMap<String, Object>();
        details.put("scope", e.scope());
        details.put("failures", e.failures());
        details.put("address", e.address());
        details.put("until", e.until().toString());
        for (Membership m : members.membershipsOf(e.user())) {
            audit.record(
                    m.id(),
                    "client",
                    e.address(),
                    "user.sign_in_delayed",
                    "user",
                    e.user().value(),
                    null,
                    details);
        }
    }
}
