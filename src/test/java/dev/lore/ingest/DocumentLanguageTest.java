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

    /** Short Chinese, Japanese and Korean notes are told apart by script (n-gram profiles had put a Chinese e-mail in Korean). */
    @Test
    void shortChineseJapaneseAndKoreanNotesGetTheirLanguage() throws Exception {
        for (String[] c : new String[][] {
                {"zh", "年假可以结转吗？"}, {"zh", "会议改到周三下午三点。"}, {"zh", "报销单请在月底前提交给财务部。"},
                {"ja", "会議は水曜日の午後三時に変更します。"}, {"ja", "パスワードを変更してください"},
                {"ko", "회의는 수요일 오후 세 시로 변경되었습니다."}, {"ko", "연차 휴가 신청"}}) {
            assertEquals(c[0], parser.parse(c[1].getBytes(StandardCharsets.UTF_8), "note.txt").language(), c[1]);
        }
        // a few Chinese words in an English text do not make it Chinese
        assertEquals("en", parser.parse(("The Shanghai office (上海办公室) books meeting rooms through the same calendar as "
                + "everyone else, and its travel policy matches the one described above.").getBytes(StandardCharsets.UTF_8), "sh.txt").language());
    }
}
