package dev.lore.support;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

/**
 * Makes every RestAssured request of a {@code @QuarkusTest} authenticate as the test run's bootstrap admin
 * ({@code Authorization: Bearer <lore.security.bootstrap-api-key of the test profile>}, tenant {@code default}) unless
 * the request carries its own {@code Authorization} header ({@link Auth#as(String)}, {@link Auth#anonymous()}).
 * Registered through {@code META-INF/services}.
 */
public class DefaultAuth implements QuarkusTestBeforeEachCallback {

    /** The bootstrap admin key configured for the test profile in application.properties. */
    public static final String BOOTSTRAP_KEY = "lore_TestBootstrapAdminKey0123456789abcdefghij";

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        if (RestAssured.filters().stream().noneMatch(f -> f instanceof BootstrapAuth)) RestAssured.filters(new BootstrapAuth());
    }

    /** Adds the bootstrap key to requests without an Authorization header. */
    static final class BootstrapAuth implements Filter {
        @Override
        public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response, FilterContext ctx) {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) request.header("Authorization", "Bearer " + BOOTSTRAP_KEY);
            return ctx.next(request, response);
        }
    }
}
