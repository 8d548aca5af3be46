package dev.lore.platform;

/**
 * An error the API reports as {@code application/problem+json} (RFC 9457) with this HTTP status, a short title and
 * a detail a client can act on.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String title;

    public ApiException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "Not Found", what + " does not exist");
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
