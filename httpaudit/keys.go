package httpaudit

// Attribute keys of the events httpaudit writes, beside the envelope and
// request-scope keys of package slogaudit (request_id, client.address, ...).
const (
	// KeyHTTPMethod is the HTTP request method.
	KeyHTTPMethod = "http.request.method"
	// KeyHTTPStatusCode is the HTTP response status code.
	KeyHTTPStatusCode = "http.response.status_code"
	// KeyHTTPRoute is the matched route template (/users/{id}).
	KeyHTTPRoute = "http.route"
	// KeyHTTPResponseBodySize is the number of response body bytes written.
	KeyHTTPResponseBodySize = "http.response.body.size"
	// KeyURLPath is the request path, without the query string.
	KeyURLPath = "url.path"
	// KeyURLScheme is http or https.
	KeyURLScheme = "url.scheme"
	// KeyURLQuery is the query string with every value redacted (opt-in).
	KeyURLQuery = "url.query"
	// KeyServerAddress is the host the request was addressed to.
	KeyServerAddress = "server.address"
	// KeyUserAgent is the User-Agent header.
	KeyUserAgent = "user_agent.original"
	// KeyErrorType classifies a failure (panic, abort, ...).
	KeyErrorType = "error.type"
	// KeyDurationNS is the request duration in nanoseconds.
	KeyDurationNS = "duration_ns"
	// KeyRequestBody is the captured, redacted JSON request body (opt-in).
	KeyRequestBody = "request.body"
	// KeyRequestBodyParseStatus is too_large, invalid_json or unsupported_shape.
	KeyRequestBodyParseStatus = "request.body.parse_status"
)
