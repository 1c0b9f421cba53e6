package dev.epoxy.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Status reason phrases and the proxy's built-in error responses.
 *
 * <p>The error pages reproduce HAProxy's default {@code http_err_msgs}: same status lines, same
 * bodies, same header set. Header names are lower case and {@code connection: close} comes last
 * because that is how HAProxy's H1 mux puts them on the wire (it lower-cases names and appends the
 * connection header when it closes). HAProxy keeps the client connection open after most errors,
 * so only 400 and 408 carry {@code connection: close} by default; callers that close anyway use
 * {@link #errorPage(int, boolean)} with {@code close=true}. The 414, 431 and 501 pages come from
 * newer HAProxy versions and keep its text verbatim, including the stray "&gt;" and "." that begin
 * their second lines. 505 is Epoxy's own (HAProxy has no page for it).
 */
public final class HttpStatus {
    private HttpStatus() {
    }

    private static final byte[] CONTINUE =
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The interim response a proxy sends itself to a request expecting 100-continue. */
    public static ByteBuffer continue100() {
        return ByteBuffer.wrap(CONTINUE).asReadOnlyBuffer();
    }

    /** Standard reason phrase (RFC 9110 and registered extensions); generic class name otherwise. */
    public static String reason(int status) {
        switch (status) {
            case 100: return "Continue";
            case 101: return "Switching Protocols";
            case 102: return "Processing";
            case 103: return "Early Hints";
            case 200: return "OK";
            case 201: return "Created";
            case 202: return "Accepted";
            case 203: return "Non-Authoritative Information";
            case 204: return "No Content";
            case 205: return "Reset Content";
            case 206: return "Partial Content";
            case 207: return "Multi-Status";
            case 226: return "IM Used";
            case 300: return "Multiple Choices";
            case 301: return "Moved Permanently";
            case 302: return "Found";
            case 303: return "See Other";
            case 304: return "Not Modified";
            case 305: return "Use Proxy";
            case 307: return "Temporary Redirect";
            case 308: return "Permanent Redirect";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 402: return "Payment Required";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 406: return "Not Acceptable";
            case 407: return "Proxy Authentication Required";
            case 408: return "Request Timeout";
            case 409: return "Conflict";
            case 410: return "Gone";
            case 411: return "Length Required";
            case 412: return "Precondition Failed";
            case 413: return "Content Too Large";
            case 414: return "URI Too Long";
            case 415: return "Unsupported Media Type";
            case 416: return "Range Not Satisfiable";
            case 417: return "Expectation Failed";
            case 421: return "Misdirected Request";
            case 422: return "Unprocessable Content";
            case 425: return "Too Early";
            case 426: return "Upgrade Required";
            case 428: return "Precondition Required";
            case 429: return "Too Many Requests";
            case 431: return "Request Header Fields Too Large";
            case 451: return "Unavailable For Legal Reasons";
            case 500: return "Internal Server Error";
            case 501: return "Not Implemented";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            case 505: return "HTTP Version Not Supported";
            case 507: return "Insufficient Storage";
            case 511: return "Network Authentication Required";
            default:
                switch (status / 100) {
                    case 1: return "Informational";
                    case 2: return "Success";
                    case 3: return "Redirection";
                    case 4: return "Client Error";
                    case 5: return "Server Error";
                    default: return "Other";
                }
        }
    }

    /** Status line reason, then the second body line, for each built-in page (HAProxy's texts). */
    private static final Object[][] PAGES = {
        {200, "OK", "Service ready."},
        {400, "Bad request", "Your browser sent an invalid request."},
        {401, "Unauthorized", "You need a valid user and password to access this content."},
        {403, "Forbidden", "Request forbidden by administrative rules."},
        {404, "Not Found", "The resource could not be found."},
        {405, "Method Not Allowed",
            "A request was made of a resource using a request method not supported by that resource"},
        {407, "Unauthorized", "You need a valid user and password to access this content."},
        {408, "Request Time-out", "Your browser didn't send a complete request in time."},
        {410, "Gone", "The resource is no longer available and will not be available again."},
        {413, "Payload Too Large", "The request entity exceeds the maximum allowed."},
        {414, "URI Too Long", "The URI provided was too long for the server to process."},
        {421, "Misdirected Request", "Request sent to a non-authoritative server."},
        {422, "Unprocessable Content", "The server cannot process the contained instructions."},
        {425, "Too Early", "Your browser sent early data."},
        {429, "Too Many Requests", "You have sent too many requests in a given amount of time."},
        {431, "Request Header Fields Too Large", ">Request Header Fields Too Large."},
        {500, "Internal Server Error", "An internal server error occurred."},
        {501, "Not Implemented",
            ".The server does not support the functionality required to fulfill the request."},
        {502, "Bad Gateway", "The server returned an invalid or incomplete response."},
        {503, "Service Unavailable", "No server is available to handle this request."},
        {504, "Gateway Time-out", "The server didn't respond in time."},
        {505, "HTTP Version Not Supported", "The server does not support this HTTP version."},
    };

    private static final int MIN = 200;
    private static final int MAX = 505;
    // [status - MIN][close ? 1 : 0]; null where no page exists.
    private static final byte[][][] BY_STATUS = new byte[MAX - MIN + 1][][];

    static {
        for (Object[] p : PAGES) {
            int st = (Integer) p[0];
            BY_STATUS[st - MIN] = new byte[][] {
                build(st, (String) p[1], (String) p[2], false),
                build(st, (String) p[1], (String) p[2], true),
            };
        }
    }

    private static byte[] build(int status, String reason, String text, boolean close) {
        String body = "<html><body><h1>" + status + " " + reason + "</h1>\n" + text + "\n</body></html>\n";
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "content-length: " + body.length() + "\r\n"
                + "cache-control: no-cache\r\n"
                + "content-type: text/html\r\n"
                + (close ? "connection: close\r\n" : "")
                + "\r\n";
        return (head + body).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** True if a built-in page exists for {@code status} (others fall back to the 500 page). */
    public static boolean hasErrorPage(int status) {
        return status >= MIN && status <= MAX && BY_STATUS[status - MIN] != null;
    }

    /** HAProxy's default response for {@code status}, closing for 400 and 408 as HAProxy does. */
    public static ByteBuffer errorPage(int status) {
        return errorPage(status, status == 400 || status == 408);
    }

    /**
     * The complete built-in response (head and body) for {@code status} as a read-only view
     * positioned at 0; {@code close} adds {@code connection: close}. Unknown statuses get the 500
     * page, as in HAProxy.
     */
    public static ByteBuffer errorPage(int status, boolean close) {
        return ByteBuffer.wrap(pageBytes(status, close)).asReadOnlyBuffer();
    }

    /** Copy of the bytes of {@link #errorPage(int, boolean)}. */
    public static byte[] errorPageBytes(int status, boolean close) {
        return pageBytes(status, close).clone();
    }

    private static byte[] pageBytes(int status, boolean close) {
        byte[][] p = hasErrorPage(status) ? BY_STATUS[status - MIN] : BY_STATUS[500 - MIN];
        return p[close ? 1 : 0];
    }
}
