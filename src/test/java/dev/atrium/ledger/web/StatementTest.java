package dev.atrium.ledger.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StatementTest {
    private final Map<String, String> names = Map.of("ws_a", "Client A");

    @Test
    void accountsReadAsWordsWithTheirWorkspacesName() {
        assertThat(Statement.account("pool", names)).isEqualTo("Pool");
        assertThat(Statement.account("budget:ws_a", names)).isEqualTo("Budget · Client A");
        assertThat(Statement.account("spent:ws_a:chat", names)).isEqualTo("Spent · Client A · chat");
        assertThat(Statement.account("held:ws_gone", names)).isEqualTo("Held · ws_gone");
    }
}
