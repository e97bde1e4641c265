package dev.atrium.gateway.settle;

import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.ChatMessage;
import dev.atrium.history.ChatTarget;
import dev.atrium.history.ChatTurn;
import dev.atrium.history.ConversationId;
import dev.atrium.history.HistoryScope;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.usage.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A settlement, or a leased stream's progress, as a journal record: one JSON object, field by field (version 1). */
@Component
class SettlementCodec {
    private static final String PROGRESS = "progress";
    private final JsonMapper json;

    SettlementCodec(JsonMapper json) {
        this.json = json;
    }

    byte[] write(Settlement s) {
        ObjectNode o = json.createObjectNode();
        o.put("v", 1);
        writeCharge(o, s.charge());
        writeEvent(o, s.event());
        ChatTurn t = s.turn();
        if (t != null) {
            ObjectNode turn = o.putObject("turn");
            turn.put("org", t.scope().org().value());
            turn.put("workspace", t.scope().workspace().value());
            turn.put("user", t.scope().user() == null ? null : t.scope().user().value());
            turn.put("key", t.scope().key().value());
            turn.put("conversation", t.target().id().value());
            turn.put("existing", t.target().existing());
            turn.put("stored", t.target().stored());
            ArrayNode request = turn.putArray("request");
            for (ChatMessage m : t.request()) {
                ObjectNode message = request.addObject();
                message.put("role", m.role());
                message.put("content", m.content());
            }
            turn.put("reply", t.reply());
            turn.put("model", t.model());
            turn.put("input", t.inputTokens());
            turn.put("output", t.outputTokens());
            turn.put("credits", t.credits().micros());
            turn.put("status", t.status());
            turn.put("latency", t.latencyMs());
        }
        return json.writeValueAsBytes(o);
    }

    /** A leased stream's progress: a settlement's charge and event, marked {@code "kind": "progress"}. */
    byte[] write(StreamProgress p) {
        ObjectNode o = json.createObjectNode();
        o.put("v", 1);
        o.put("kind", PROGRESS);
        o.put("admitted", p.admitted());
        writeCharge(o, p.charge());
        writeEvent(o, p.event());
        return json.writeValueAsBytes(o);
    }

    private static void writeCharge(ObjectNode o, LeaseCharge c) {
        ObjectNode charge = o.putObject("charge");
        charge.put("org", c.org().value());
        charge.put("workspace", c.workspace().value());
        charge.put("user", c.user());
        charge.put("category", c.category().wire());
        charge.put("lease", c.lease());
        charge.put("reservation", c.reservation());
        charge.put("micros", c.micros());
        charge.put("actor_type", c.actor().type());
        charge.put("actor_id", c.actor().id());
    }

    private static void writeEvent(ObjectNode o, UsageEvent e) {
        ObjectNode event = o.putObject("event");
        event.put("id", e.id());
        event.put("org", e.org().value());
        event.put("workspace", e.workspace().value());
        event.put("user", e.user() == null ? null : e.user().value());
        event.put("key", e.key() == null ? null : e.key().value());
        event.put("model", e.model());
        event.put("provider", e.provider());
        event.put("category", e.category());
        event.put("operation", e.operation());
        event.put("input", e.inputUnits());
        event.put("output", e.outputUnits());
        event.put("credits", e.credits().micros());
        event.put("latency", e.latencyMs());
        event.put("status", e.status());
        event.put("hold", e.holdId());
        event.put("request", e.requestId());
        event.put("source", e.source());
        event.put("at", e.occurredAt().toString());
    }

    /** A journal record: a settlement (no {@code kind}, as version 1 always wrote them) or a stream's progress. */
    Journaled read(byte[] bytes) {
        JsonNode o = json.readTree(bytes);
        if (o.path("v").asInt() != 1) throw new IllegalArgumentException("unknown settlement record version");
        JsonNode kind = o.get("kind");
        if (kind == null || kind.isNull()) return settlement(o);
        if (!PROGRESS.equals(kind.asString()))
            throw new IllegalArgumentException("unknown settlement record kind " + kind);
        return new StreamProgress(
                readCharge(o.path("charge")),
                readEvent(o.path("event")),
                o.path("admitted").asLong());
    }

    private static LeaseCharge readCharge(JsonNode c) {
        return new LeaseCharge(
                new OrgId(c.path("org").asString()),
                new WorkspaceId(c.path("workspace").asString()),
                text(c, "user"),
                Category.parse(c.path("category").asString()),
                c.path("lease").asString(),
                c.path("reservation").asString(),
                c.path("micros").asLong(),
                new Actor(c.path("actor_type").asString(), c.path("actor_id").asString()));
    }

    private static UsageEvent readEvent(JsonNode e) {
        String user = text(e, "user");
        String key = text(e, "key");
        return new UsageEvent(
                e.path("id").asString(),
                new OrgId(e.path("org").asString()),
                new WorkspaceId(e.path("workspace").asString()),
                user == null ? null : new UserId(user),
                key == null ? null : new KeyId(key),
                e.path("model").asString(),
                e.path("provider").asString(),
                e.path("category").asString(),
                e.path("operation").asString(),
                e.path("input").asLong(),
                e.path("output").asLong(),
                Credits.ofMicros(e.path("credits").asLong()),
                e.path("latency").asLong(),
                e.path("status").asString(),
                text(e, "hold"),
                text(e, "request"),
                e.path("source").asString(),
                Instant.parse(e.path("at").asString()));
    }

    private static Settlement settlement(JsonNode o) {
        LeaseCharge charge = readCharge(o.path("charge"));
        UsageEvent event = readEvent(o.path("event"));
        ChatTurn turn = null;
        JsonNode t = o.get("turn");
        if (t != null && t.isObject()) {
            List<ChatMessage> request = new ArrayList<>();
            for (JsonNode m : t.path("request")) {
                request.add(new ChatMessage(
                        m.path("role").asString(), m.path("content").asString()));
            }
            String turnUser = text(t, "user");
            turn = new ChatTurn(
                    new HistoryScope(
                            new OrgId(t.path("org").asString()),
                            new WorkspaceId(t.path("workspace").asString()),
                            turnUser == null ? null : new UserId(turnUser),
                            new KeyId(t.path("key").asString())),
                    new ChatTarget(
                            new ConversationId(t.path("conversation").asString()),
                            t.path("existing").asBoolean(),
                            t.path("stored").asInt()),
                    request,
                    t.path("reply").asString(),
                    t.path("model").asString(),
                    t.path("input").asLong(),
                    t.path("output").asLong(),
                    Credits.ofMicros(t.path("credits").asLong()),
                    t.path("status").asString(),
                    t.path("latency").asLong());
        }
        return new Settlement(charge, event, turn);
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }
}
