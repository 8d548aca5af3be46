package dev.lore.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The passage an extractive answer quotes: the sentence (or two) sharing most of the question's words. */
class QuotesTest {

    @Test
    void englishQuotesTheSentenceThatAnswers() {
        String text = "Travel policy. Book trains for trips under four hours. Hotels are paid up to 150 euros per night. "
                + "Receipts are due within thirty days.";
        String quote = Quotes.best(text, "what is the hotel limit per night?");
        assertTrue(quote.contains("150 euros per night"), quote);
    }

    /** Chinese and Japanese have no spaces: whole sentences used to be one "word", and the first sentence won. */
    @Test
    void chineseAndJapaneseQuoteTheSentenceThatAnswers() {
        String zh = "公司请假制度。所有正式员工每年享有十五天带薪年假。病假超过三天需要提供医院证明。婚假为十天，需提前一个月申请。";
        assertEquals("病假超过三天需要提供医院证明。", Quotes.best(zh, "病假超过三天需要提供什么证明？"));
        assertEquals("婚假为十天，需提前一个月申请。", Quotes.best(zh, "婚假有几天？"));
        String ja = "休暇規程。社員は毎年二十日の有給休暇を取得できます。病気休暇が三日を超える場合は診断書が必要です。";
        assertEquals("病気休暇が三日を超える場合は診断書が必要です。", Quotes.best(ja, "病気休暇で診断書は必要ですか？"));
    }

    /** Two sentences quoted together keep the text's own spacing: none after a Japanese or Chinese full stop. */
    @Test
    void twoCjkSentencesAreJoinedWithoutASpace() {
        String ja = "休暇規程。社員は毎年二十日の有給休暇を取得できます。有給休暇は翌年に繰り越せます。";
        String quote = Quotes.best(ja, "有給休暇は何日取得できて、翌年に繰り越せますか？");
        assertTrue(quote.contains("取得できます。有給休暇は翌年"), quote);
    }

    @Test
    void cjkRunsBecomeCharacterPairs() {
        assertEquals(java.util.Set.of("病假", "假超", "超过", "三天"), Quotes.terms("病假超过 三天"));
        assertEquals(java.util.Set.of("vacuu", "全表", "表扫", "扫描"), Quotes.terms("VACUUM全表扫描"));
    }
}
