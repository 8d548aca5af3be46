package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** pass^k and pass@k against values computed by hand. */
class PassKTest {

    private static final List<Boolean> TWO_OF_FOUR = List.of(true, false, true, false);

    @Test
    void passHatKOfOneTask() {
        // n=4, c=2, k=2: C(2,2)/C(4,2) = 1/6 = 0.1667
        assertEquals(1.0 / 6, PassK.passHatK(List.of(TWO_OF_FOUR), 2), 1e-12);
        // k=1: C(2,1)/C(4,1) = 2/4 = 0.5 (the success rate)
        assertEquals(0.5, PassK.passHatK(List.of(TWO_OF_FOUR), 1), 1e-12);
        // k=3: c < k → 0
        assertEquals(0.0, PassK.passHatK(List.of(TWO_OF_FOUR), 3));
        // n=k=4, all succeed: 1
        assertEquals(1.0, PassK.passHatK(List.of(List.of(true, true, true, true)), 4));
    }

    @Test
    void passHatKAveragesOverTasks() {
        // task 1: n=4, c=2, k=2 → 1/6; task 2: n=3, c=3 → C(3,2)/C(3,2) = 1; task 3: n=2, c=0 → 0
        // mean = (1/6 + 1 + 0) / 3 = 7/18 = 0.3889
        List<List<Boolean>> tasks = List.of(TWO_OF_FOUR, List.of(true, true, true), List.of(false, false));
        assertEquals(7.0 / 18, PassK.passHatK(tasks, 2), 1e-12);
    }

    @Test
    void passAtK() {
        // n=4, c=2, k=2: 1 - C(2,2)/C(4,2) = 1 - 1/6 = 5/6 = 0.8333
        assertEquals(5.0 / 6, PassK.passAtK(List.of(TWO_OF_FOUR), 2), 1e-12);
        // n=5, c=1, k=3: 1 - C(4,3)/C(5,3) = 1 - 4/10 = 0.6
        assertEquals(0.6, PassK.passAtK(List.of(List.of(false, true, false, false, false)), 3), 1e-12);
        // n=4, c=2, k=3: n - c = 2 < 3 → 1 - 0 = 1
        assertEquals(1.0, PassK.passAtK(List.of(TWO_OF_FOUR), 3));
        // mean of 5/6 and 0 (no success) = 5/12
        assertEquals(5.0 / 12, PassK.passAtK(List.of(TWO_OF_FOUR, List.of(false, false)), 2), 1e-12);
    }

    @Test
    void rejectsTooFewTrialsAndBadK() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PassK.passHatK(List.of(TWO_OF_FOUR, List.of(true)), 2));
        assertEquals("task 1 has 1 trials, fewer than k = 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PassK.passAtK(List.of(List.of(true)), 2));
        assertThrows(IllegalArgumentException.class, () -> PassK.passHatK(List.of(TWO_OF_FOUR), 0));
        assertThrows(IllegalArgumentException.class, () -> PassK.passHatK(List.of(), 1));
    }
}
