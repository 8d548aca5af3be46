package dev.lore.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/**
 * What the full-text index makes of Chinese, Japanese and Korean (migration V36, {@code lore_fts_text}): runs of those
 * scripts become overlapping character pairs, other text is left exactly as it was, and the {@code english}
 * configuration then keeps each pair as one lexeme.
 */
@QuarkusTest
class CjkFullTextTest {

    @Inject AgroalDataSource dataSource;

    @Test
    void runsOfCjkCharactersBecomeCharacterPairs() throws Exception {
        assertEquals("'以结':4 '假可':2 '可以':3 '年假':1 '结转':5 '转吗':6", lexemes("年假可以结转吗"));
        // Katakana (with its long-vowel mark) and Han in one run, Hangul words; English around them as before
        // (lexemes are listed in byte order, "and" is a stop word)
        assertEquals("'shop':9 'メン':3 'ラー':1 'ン屋':4 'ーメ':2 '국어':7 '문장':8 '한국':6", lexemes("ラーメン屋 and 한국어 문장 shops"));
        // one character alone stays one lexeme; punctuation between runs splits them
        assertEquals("'假期':2 '年':1", lexemes("年。假期"));
    }

    @Test
    void otherTextIsUntouched() throws Exception {
        for (String text : new String[] {"VACUUM reclaims storage", "Ärger über Straßen", "Привет мир", "", "  spaced  out  "}) {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT lore_fts_text(?)")) {
                ps.setString(1, text);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(text, rs.getString(1));
                }
            }
        }
    }

    /** The lexemes with positions, in PostgreSQL's tsvector order of the text after {@code lore_fts_text}. */
    private String lexemes(String text) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_tsvector('english', lore_fts_text(?))::text")) {
            ps.setString(1, text);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
