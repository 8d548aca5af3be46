package dev.lore.platform;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * RFC 9457 problem details, the body of every API error ({@code application/problem+json}).
 *
 * @param type a URI naming the kind of problem ({@code about:blank} for plain HTTP statuses)
 * @param title short summary of the kind of problem
 * @param status the HTTP status code
 * @param detail what went wrong this time, in words a client can act on
 * @param instance the request path
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {
    public static final String MEDIA_TYPE = "application/problem+json";
}
