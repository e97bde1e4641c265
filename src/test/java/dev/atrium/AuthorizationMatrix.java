package dev.atrium;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The authorization matrix as data: every endpoint under {@code /api/v1/organizations/{org}} that
 * takes an id, and the status each kind of caller gets on the objects of one organization.
 *
 * <p>Rules it spells out (docs/domain.md, docs/api.md): anything in another organization is 404 for
 * every caller, as for an id that does not exist; so is a workspace the caller is not assigned to,
 * and a workspace reached with another workspace's key. An object within reach with an action the
 * role does not allow is 403. Workspace keys are gateway credentials: 403 on every management call,
 * even in their own organization and workspace.
 *
 * <p>Each line of {@link #ROWS}: method, path (under {@code /api/v1/organizations/{org}}), the
 * expected status for each {@link Caller} in declaration order (the {@code |} separates callers from
 * the organization itself from those outside it), then the JSON body if any, in single quotes.
 *
 * <p>Path placeholders, resolved per cell by {@link AuthorizationMatrixTest}: {@code {ws}} the
 * workspace under test (WA1), {@code {member}} a plain org member assigned to WA1, {@code {email}} a
 * fresh address, {@code {org-name}} the organization's current name, {@code {ws-name}} a fresh workspace name. The {@code {new-…}} placeholders
 * name a destructive target: a fresh copy of the standing object in cells expected to succeed (so that
 * success does not change what later cells see), the standing object itself in cells expected to be
 * refused (a refusal must change nothing, which the test checks at the end): {@code {new-ws}} a copy of
 * WA1 with the same assignments, {@code {new-archived-ws}} the same but archived, {@code {new-member}} an
 * org member assigned to WA1, {@code {new-candidate}} an org member not assigned to WA1, {@code
 * {new-key}} an unbound key of WA1, {@code {new-admin-key}} an admin key that nobody calls with.
 */
final class AuthorizationMatrix {
    private AuthorizationMatrix() {}

    /** Who calls, relative to the organization whose objects are requested (WA1 is its workspace under test). */
    enum Caller {
        OWNER("owner"),
        ADMIN("admin"),
        BILLING("billing"),
        WS_ADMIN("org member, admin of WA1"),
        WS_MEMBER("org member, member of WA1"),
        WS_VIEWER("org member, viewer of WA1"),
        OTHER_WS_MEMBER("org member assigned only to WA2"),
        ADMIN_KEY("the organization's admin key"),
        WS_KEY("WA1's own key, bound to its member"),
        OTHER_WS_KEY("key of WA2"),
        OUTSIDER("user in no organization"),
        FOREIGN_OWNER("owner of the other organization"),
        FOREIGN_WS_KEY("workspace key of the other organization"),
        FOREIGN_ADMIN_KEY("admin key of the other organization");

        final String label;

        Caller(String label) {
            this.label = label;
        }
    }

    /** One endpoint and the status every caller expects from it. */
    record Row(String method, String path, @Nullable String body, Map<Caller, Integer> expected) {
        String name() {
            return method + " " + (path.isEmpty() ? "/" : path) + (body == null ? "" : " " + body);
        }
    }

    static final List<Row> ROWS = rows("""
            # own, adm, bil: owner, admin, billing.  wsA, wsM, wsV: org members who are admin, member, viewer
            # of WA1.  oWM: org member assigned only to WA2.  aKy: admin key.  wKy: WA1's key (bound to wsM).
            # oWK: WA2's key.  out: user in no organization.  fOw, fWK, fAK: the other organization's owner,
            # workspace key and admin key.
            #                                       own adm bil wsA wsM wsV oWM aKy wKy oWK | out fOw fWK fAK
            # The organization, its admin keys, invitations, members, workspace list and audit log
            GET    /                                200 200 200 200 200 200 200 200 403 403 | 404 404 404 404
            PATCH  /                                200 200 403 403 403 403 403 200 403 403 | 404 404 404 404  {'name': '{org-name}'}
            POST   /admin-keys                      201 201 403 403 403 403 403 201 403 403 | 404 404 404 404  {'name': 'matrix'}
            GET    /admin-keys                      200 200 403 403 403 403 403 200 403 403 | 404 404 404 404
            DELETE /admin-keys/{new-admin-key}      204 204 403 403 403 403 403 204 403 403 | 404 404 404 404
            POST   /invitations                     201 201 403 403 403 403 403 201 403 403 | 404 404 404 404  {'email': '{email}', 'role': 'member'}
            GET    /invitations                     200 200 403 403 403 403 403 200 403 403 | 404 404 404 404
            DELETE /invitations/{new-invitation}    204 204 403 403 403 403 403 204 403 403 | 404 404 404 404
            POST   /invitations/{new-invitation}/resend
                                                    200 200 403 403 403 403 403 200 403 403 | 404 404 404 404
            GET    /members                         200 200 200 403 403 403 403 200 403 403 | 404 404 404 404
            GET    /members/{member}                200 200 200 403 403 403 403 200 403 403 | 404 404 404 404
            PATCH  /members/{member}                200 200 403 403 403 403 403 200 403 403 | 404 404 404 404  {'role': 'member'}
            DELETE /members/{new-member}            204 204 403 403 403 403 403 204 403 403 | 404 404 404 404
            GET    /workspaces                      200 200 200 200 200 200 200 200 403 403 | 404 404 404 404
            POST   /workspaces                      201 201 403 403 403 403 403 201 403 403 | 404 404 404 404  {'name': '{ws-name}', 'kind': 'research'}
            GET    /audit-events                    200 200 403 403 403 403 403 200 403 403 | 404 404 404 404
            GET    /mail/messages                   200 200 403 403 403 403 403 200 403 403 | 404 404 404 404
            # The workspace WA1, its members, keys and policy
            GET    /workspaces/{ws}                 200 200 200 200 200 200 404 200 200 404 | 404 404 404 404
            PATCH  /workspaces/{ws}                 200 200 403 200 403 403 404 200 403 404 | 404 404 404 404  {'description': 'edited by the matrix'}
            POST   /workspaces/{new-ws}/archive     200 200 403 200 403 403 404 200 403 404 | 404 404 404 404
            POST   /workspaces/{new-archived-ws}/unarchive
                                                    200 200 403 200 403 403 404 200 403 404 | 404 404 404 404
            DELETE /workspaces/{new-ws}             200 200 403 403 403 403 404 200 403 404 | 404 404 404 404
            GET    /workspaces/{ws}/members         200 200 200 200 200 200 404 200 403 404 | 404 404 404 404
            POST   /workspaces/{ws}/members         201 201 403 201 403 403 404 201 403 404 | 404 404 404 404  {'user_id': '{new-candidate}', 'role': 'member'}
            PATCH  /workspaces/{ws}/members/{member}
                                                    200 200 403 200 403 403 404 200 403 404 | 404 404 404 404  {'role': 'member'}
            DELETE /workspaces/{ws}/members/{new-member}
                                                    204 204 403 204 403 403 404 204 403 404 | 404 404 404 404
            POST   /workspaces/{ws}/api-keys        201 201 403 201 201 403 404 201 403 404 | 404 404 404 404  {'name': 'matrix'}
            GET    /workspaces/{ws}/api-keys        200 200 200 200 200 200 404 200 403 404 | 404 404 404 404
            DELETE /workspaces/{ws}/api-keys/{new-key}
                                                    204 204 403 204 403 403 404 204 403 404 | 404 404 404 404
            GET    /workspaces/{ws}/policy          200 200 200 200 200 200 404 200 200 404 | 404 404 404 404
            PUT    /workspaces/{ws}/policy          200 200 403 200 403 403 404 200 403 404 | 404 404 404 404  {'record_history': true}
            GET    /sso                             200 403 403 403 403 403 403 403 403 403 | 404 404 404 404
            PUT    /sso                             200 403 403 403 403 403 403 403 403 403 | 404 404 404 404  {'sso_requires_invitation': false}
            GET    /sign-in-policy                  200 403 403 403 403 403 403 403 403 403 | 404 404 404 404
            PUT    /sign-in-policy                  200 403 403 403 403 403 403 403 403 403 | 404 404 404 404  {'require_two_factor': false}
            GET    /workspaces/{ws}/mail-digest     200 200 403 200 403 403 404 200 403 404 | 404 404 404 404
            PUT    /workspaces/{ws}/mail-digest     200 200 403 200 403 403 404 200 403 404 | 404 404 404 404  {'weekly': false}
            # Usage: members see the workspaces they are assigned to; the rest is for owner, admin, billing
            GET    /usage?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z&group_by=workspace
                                                    200 200 200 200 200 200 200 200 403 403 | 404 404 404 404
            GET    /usage?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z&workspace_ids={ws}&format=csv
                                                    200 200 200 200 200 200 404 200 403 403 | 404 404 404 404
            GET    /usage/summary?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z
                                                    200 200 200 200 200 200 200 200 403 403 | 404 404 404 404
            GET    /usage/performance?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z
                                                    200 200 200 200 200 200 200 200 403 403 | 404 404 404 404
            GET    /usage/members?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z
                                                    200 200 200 403 403 403 403 200 403 403 | 404 404 404 404
            GET    /usage/statement?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z&workspace_id={ws}
                                                    200 200 200 403 403 403 403 200 403 403 | 404 404 404 404
            POST   /usage/events                    200 200 200 403 403 403 403 200 403 403 | 404 404 404 404  {'events': []}
            GET    /forecast                        200 200 200 403 403 403 403 200 403 403 | 404 404 404 404
            """);

    /**
     * A request that refers to an object of the other organization (or of another workspace) from
     * inside the caller's own, made by the owner, who may do everything in their own organization: it
     * is answered exactly as if the id did not exist. {@code {their-…}} are the other organization's
     * objects (its WA1, owner, admin key, WA1's unbound key); {@code {ws2-…}} are WA2's key and member,
     * used through WA1's paths.
     */
    record ForeignReference(
            int expected,
            String method,
            String path,
            @Nullable String body) {
        String name() {
            return method + " " + path + (body == null ? "" : " " + body);
        }
    }

    static final List<ForeignReference> FOREIGN_REFERENCES = references("""
            404 GET    /workspaces/{their-ws}
            404 PATCH  /workspaces/{their-ws}                        {'name': 'taken over'}
            404 DELETE /workspaces/{their-ws}
            404 POST   /workspaces/{their-ws}/archive
            404 GET    /workspaces/{their-ws}/members
            404 POST   /workspaces/{their-ws}/api-keys               {'name': 'stolen'}
            404 PUT    /workspaces/{their-ws}/policy                 {'record_history': false}
            404 PUT    /workspaces/{their-ws}/mail-digest            {'weekly': true}
            404 GET    /members/{their-owner}
            404 PATCH  /members/{their-owner}                        {'role': 'member'}
            404 DELETE /members/{their-owner}
            404 DELETE /admin-keys/{their-admin-key}
            404 DELETE /invitations/{their-invitation}
            404 POST   /invitations/{their-invitation}/resend
            404 DELETE /workspaces/{ws}/api-keys/{their-ws-key}
            404 DELETE /workspaces/{ws}/api-keys/{ws2-key}
            404 PATCH  /workspaces/{ws}/members/{their-owner}        {'role': 'admin'}
            404 DELETE /workspaces/{ws}/members/{their-owner}
            404 PATCH  /workspaces/{ws}/members/{ws2-member}         {'role': 'admin'}
            404 DELETE /workspaces/{ws}/members/{ws2-member}
            422 POST   /workspaces/{ws}/members                      {'user_id': '{their-owner}', 'role': 'admin'}
            422 POST   /workspaces/{ws}/api-keys                     {'name': 'bound', 'user_id': '{their-owner}'}
            422 POST   /invitations                                  {'email': '{email}', 'role': 'member', 'workspace_id': '{their-ws}'}
            422 PATCH  /members/{member}                             {'default_workspace_id': '{their-ws}'}
            404 GET    /usage/statement?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z&workspace_id={their-ws}
            404 GET    /usage?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z&workspace_ids={their-ws}&bucket=none
            """);

    /** Parses {@link #ROWS}; a line that starts with a space continues the previous one. */
    private static List<Row> rows(String table) {
        return lines(table).stream()
                .map(line -> {
                    Caller[] callers = Caller.values();
                    String[] words = line.split("\\s+", 3);
                    String[] rest = words[2].replace("|", " ").trim().split("\\s+", callers.length + 1);
                    if (rest.length < callers.length) {
                        throw new IllegalArgumentException("too few statuses: " + line);
                    }
                    var expected = new EnumMap<Caller, Integer>(Caller.class);
                    for (int i = 0; i < callers.length; i++) {
                        expected.put(callers[i], Integer.valueOf(rest[i]));
                    }
                    String path = words[1].equals("/") ? "" : words[1];
                    return new Row(
                            words[0], path, rest.length > callers.length ? rest[callers.length] : null, expected);
                })
                .toList();
    }

    private static List<ForeignReference> references(String table) {
        return lines(table).stream()
                .map(line -> {
                    String[] words = line.split("\\s+", 4);
                    return new ForeignReference(
                            Integer.parseInt(words[0]), words[1], words[2], words.length > 3 ? words[3] : null);
                })
                .toList();
    }

    /** Non-comment lines, with continuation lines (indented) joined to the line before. */
    private static List<String> lines(String table) {
        StringBuilder joined = new StringBuilder();
        for (String line : table.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            joined.append(Character.isWhitespace(line.charAt(0)) ? " " : "\n").append(line.strip());
        }
        return Arrays.stream(joined.toString().split("\n"))
                .filter(l -> !l.isBlank())
                .toList();
    }
}
