package dev.lore.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Extractive answers name where a passage sits without repeating the page title ("Using EXPLAIN > Using EXPLAIN > …"). */
class SectionBelowTitleTest {

    @Test
    void headingsThatRepeatTheTitleAreLeftOut() {
        assertEquals("14.1.3. Caveats", AnswerService.sectionBelowTitle("14.1. Using EXPLAIN", "14.1. Using EXPLAIN > 14.1.3. Caveats"));
        assertEquals("", AnswerService.sectionBelowTitle("73.2. TOAST", "73.2. TOAST"));
        assertEquals("Parking > Bicycles", AnswerService.sectionBelowTitle("Office guide", "Parking > Bicycles"));
        assertEquals("Bicycles", AnswerService.sectionBelowTitle("Parking", "Parking > Bicycles"));
        assertEquals("", AnswerService.sectionBelowTitle("Notes", ""));
        assertEquals("A > B", AnswerService.sectionBelowTitle(null, "A > B"));
    }
}
