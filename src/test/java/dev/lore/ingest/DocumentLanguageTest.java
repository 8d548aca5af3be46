package dev.lore.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The language the parser gives a document (stored on its chunks, used by the search filter {@code languages}): short
 * files get their real language or none, never a confident wrong one. Before 2026-12-01 a 0.5 probability sufficed,
 * and "VPN setup guide" was Catalan (0.57).
 */
class DocumentLanguageTest {

    private final DocumentParser parser = new DocumentParser();

    @Test
    void shortEnglishFilesAreEnglishOrUnknownNeverAnotherLanguage() throws Exception {
        List<String> english = List.of("VPN setup guide", "Hello world", "Annual leave is 25 days.",
                "Backups run nightly at 2am.", "Call IT on 555-1234 for VPN problems.", "Onboarding checklist for new hires",
                "Password reset: use the self-service page.", "Printer on floor 3 is broken", "Kitchen rota",
                "Wifi password changes monthly", "Expense claims close on the 5th", "Team offsite agenda");
        int known = 0;
        for (String text : english) {
            String language = parser.parse(text.getBytes(StandardCharsets.UTF_8), "note.txt").language();
            assertTrue(language == null || language.equals("en"), () -> "<" + text + "> detected as " + language);
            if (language != null) known++;
        }
        assertTrue(known >= english.size() / 2, known + " of " + english.size() + " short English notes recognised");
    }

    @Test
    void shortSentencesInOtherLanguagesKeepTheirLanguage() throws Exception {
        assertEquals("de", parser.parse("Der Urlaub beträgt 25 Tage im Jahr.".getBytes(StandardCharsets.UTF_8), "urlaub.txt").language());
        assertEquals("fr", parser.parse("Le congé annuel est de 25 jours.".getBytes(StandardCharsets.UTF_8), "conge.txt").language());
        assertEquals("en", parser.parse(("The travel policy asks everyone to book trains rather than planes for trips under four "
                + "hours, and to file receipts within thirty days.").getBytes(StandardCharsets.UTF_8), "travel.txt").language());
    }
}
