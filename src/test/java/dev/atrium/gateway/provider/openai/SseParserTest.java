package dev.atrium.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.gateway.provider.openai.SseParser.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    static List<Event> parse(SseParser parser, String... pieces) throws IOException {
        List<Event> events = new ArrayList<>();
        for (String piece : pieces) {
            byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            events.addAll(parser.feed(bytes, 0, bytes.length));
        }
        events.addAll(parser.finish());
        return events;
    }

    @Test
    void dataLinesAreJoinedAndDispatchedAtABlankLine() throws IOException {
        var events = parse(new SseParser(1024), "data: a\ndata:b\n\nevent: error\ndata: {}\n\n");
        assertThat(events).containsExactly(new Event("message", "a\nb"), new Event("error", "{}"));
    }

    @Test
    void anyLineEndingEvenSplitBetweenPiecesEndsALine() throws IOException {
        var events = parse(new SseParser(1024), "data: 1\r", "\n\r", "\ndata: 2\r\rdata: 3\n\n");
        assertThat(events).extracting(Event::data).containsExactly("1", "2", "3");
    }

    @Test
    void commentsAndUnknownFieldsAreSkipped() throws IOException {
        var events = parse(new SseParser(1024), ": ping\n\nid: 7\nretry: 10\ndata: x\n\n:\n\n");
        assertThat(events).extracting(Event::data).containsExactly("x");
    }

    @Test
    void aLastEventWithoutItsBlankLineIsStillDelivered() throws IOException {
        assertThat(parse(new SseParser(1024), "data: [DONE]"))
                .extracting(Event::data)
                .containsExactly("[DONE]");
    }

    @Test
    void anOverlongLineIsRefused() {
        assertThatThrownBy(() -> parse(new SseParser(16), "data: " + "x".repeat(100) + "\n\n"))
                .isInstanceOf(IOException.class);
    }
}
