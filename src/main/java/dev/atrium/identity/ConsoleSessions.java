package dev.atrium.identity;

import dev.atrium.common.UserId;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The console's sessions, which live in PostgreSQL ({@code spring_session}, migration V161) so that
 * every node reads the same ones. A session is indexed by its person's user id (the name of its
 * authentication), so ending a person's sessions is one statement, and every node sees it on the
 * session's next request: nothing about a session is kept in a node's memory between requests.
 */
@Service
public class ConsoleSessions {
    private final JdbcClient jdbc;

    ConsoleSessions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Ends every console session of {@code user}, on every node, except {@code keep} (the id of the
     * session making the change, or null to end all). Runs in the caller's transaction when there
     * is one, so the sessions end exactly when the change that ends them commits.
     *
     * @return how many sessions ended
     */
    @Transactional
    public int endAll(UserId user, @Nullable String keep) {
        return jdbc.sql("""
                        DELETE FROM spring_session
                        WHERE principal_name = :user AND (CAST(:keep AS text) IS NULL OR session_id <> :keep)
                        """).param("user", user.value()).param("keep", keep).update();
    }
}
