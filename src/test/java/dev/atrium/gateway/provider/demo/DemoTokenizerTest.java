package dev.atrium.gateway.provider.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoTokenizerTest {

    @Test
    void wordsAndPunctuationAreTokensAndWhitespaceIsNot() {
        assertThat(DemoTokenizer.count("Hello, world!")).isEqualTo(4);
        assertThat(DemoTokenizer.count("  don't  stop\n")).isEqualTo(4);
        assertThat(DemoTokenizer.count("3.14 is π")).isEqualTo(5);
        assertThat(DemoTokenizer.count("")).isZero();
        assertThat(DemoTokenizer.count(" \n\t\u00a0")).isZero();
    }

    @Test
    void aLongRunCountsOneTokenPerSixteenCharacters() {
        assertThat(DemoTokenizer.count("a".repeat(16))).isEqualTo(1);
        assertThat(DemoTokenizer.count("a".repeat(17))).isEqualTo(2);
        assertThat(DemoTokenizer.count("x".repeat(1600))).isEqualTo(100);
    }

    @Test
    void piecesConcatenateToTheTextAndNumberTheTokens() {
        String text = "  Hi there,\n\nhow are   you? \u00e9t\u00e9 \ud83d\ude00 " + "z".repeat(40) + "  ";
        var pieces = DemoTokenizer.pieces(text);
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).hasSize(DemoTokenizer.count(text));
        assertThat(pieces).allSatisfy(p -> assertThat(DemoTokenizer.count(p)).isEqualTo(1));
    }
}
