package simulator

import (
	"encoding/json"
	"net/http"
)

// apiError is an OpenAI error body's inner object. Param and Code are
// pointers because the API sends explicit nulls for them.
type apiError struct {
	status  int
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func strp(s string) *string { return &s }

// invalid builds a 400 invalid_request_error; empty param or code become null.
func invalid(msg, param, code string) *apiError {
	e := &apiError{status: http.StatusBadRequest, Message: msg, Type: "invalid_request_error"}
	if param != "" {
		e.Param = strp(param)
	}
	if code != "" {
		e.Code = strp(code)
	}
	return e
}

func (e *apiError) Error() string { return e.Message }

// body returns the JSON the API sends for e: {"error": {...}}.
func (e *apiError) body() []byte {
	b, err := json.Marshal(struct {
		Error *apiError `json:"error"`
	}{e})
	if err != nil { // cannot happen: only strings inside
		return []byte(`{"error":{"message":"internal error","type":"server_error","param":null,"code":null}}`)
	}
	return append(b, '\n')
}

func errServer() *apiError {
	return &apiError{status: http.StatusInternalServerError,
		Message: "The server had an error while processing your request. Sorry about that!",
		Type:    "server_error"}
}

func errOverloaded() *apiError {
	return &apiError{status: http.StatusServiceUnavailable,
		Message: "The engine is currently overloaded, please try again later.",
		Type:    "server_error"}
}

func errQuota() *apiError {
	return &apiError{status: http.StatusTooManyRequests,
		Message: "You exceeded your current quota, please check your plan and billing details. " +
			"For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
		Type: "insufficient_quota", Code: strp("insufficient_quota")}
}

func errAuth(missing bool) *apiError {
	msg := "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
	if missing {
		msg = "You didn't provide an API key. You need to provide your API key in an Authorization header " +
			"using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
	}
	return &apiError{status: http.StatusUnauthorized, Message: msg,
		Type: "invalid_request_error", Code: strp("invalid_api_key")}
}

func errModelNotFound(model string) *apiError {
	return &apiError{status: http.StatusNotFound,
		Message: "The model `" + model + "` does not exist or you do not have access to it.",
		Type:    "invalid_request_error", Param: strp("model"), Code: strp("model_not_found")}
}

func errNotFound(method, path string) *apiError {
	return &apiError{status: http.StatusNotFound,
		Message: "Invalid URL (" + method + " " + path + ")", Type: "invalid_request_error"}
}

func errMethod(method, path string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed,
		Message: "Method " + method + " is not allowed for " + path, Type: "invalid_request_error"}
}

// badGatewayHTML is what a proxy in front of the API sends on 502: HTML, not
// JSON, which clients must survive.
const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
