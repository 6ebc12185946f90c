// Package client sends one chat completion request over HTTP and says what
// a failure means: it holds the one classifier that tells retryable from
// permanent from job-fatal errors. Pacing and retrying are the caller's.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint says where chat requests go and how they are authenticated.
type Endpoint struct {
	// BaseURL is the API root, such as "https://api.openai.com/v1" or a
	// local OpenAI-compatible server's "http://127.0.0.1:8000/v1". For
	// Azure OpenAI it is the resource endpoint, "https://NAME.openai.azure.com".
	BaseURL string
	// APIKey is sent as a bearer token (as "api-key" for Azure). It is never
	// logged, stored or included in an error.
	APIKey string
	// Azure selects Azure OpenAI's URL scheme and header.
	Azure bool
	// AzureDeployment names the deployment; empty means the request's model.
	AzureDeployment string
	// AzureAPIVersion is the api-version query parameter.
	AzureAPIVersion string
	// OrgID and ProjectID become the OpenAI-Organization and OpenAI-Project headers.
	OrgID, ProjectID string
	// Timeout bounds one request from send to the last byte of the answer.
	Timeout time.Duration
}

// maxResponseBytes bounds one answer's body: a chat completion is at most a
// few hundred KiB, so anything this large is a broken server or proxy, and
// must not take the process's memory with it.
const maxResponseBytes = 64 << 20

// DefaultAzureAPIVersion is used when Endpoint.AzureAPIVersion is empty.
const DefaultAzureAPIVersion = "2024-10-21"

// Client sends chat completion requests. It makes exactly one HTTP request
// per call to Send: retrying and pacing belong to the caller.
//
// Every body it returns (answers, error bodies, error messages) has the API
// key replaced by "[redacted]": it is the one place that guarantees the
// key never reaches a log, an output or the state database, even through
// a server that echoes it.
type Client struct {
	ep   Endpoint
	http *http.Client
}

// NewClient returns a client for ep. hc may be nil for a client that honours
// HTTPS_PROXY and keeps up to maxConns idle connections to the server.
func NewClient(ep Endpoint, hc *http.Client, maxConns int) *Client {
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if maxConns < 2 {
			maxConns = 2
		}
		tr.MaxIdleConnsPerHost = maxConns
		tr.MaxIdleConns = maxConns
		hc = &http.Client{Transport: tr}
	}
	return &Client{ep: ep, http: hc}
}

// Response is one successful (2xx) answer.
type Response struct {
	Status     int
	Header     http.Header
	Body       []byte
	Completion openai.ChatCompletionResponse
	// NoUsage is set when the answer carried no usage: its token counts
	// are unknown, not zero, and so is its cost.
	NoUsage bool
}

// HTTPError is a non-2xx answer. API is decoded from an OpenAI error body
// and is nil when the body was not one (an HTML 502 page, say).
type HTTPError struct {
	Status int
	Header http.Header
	Body   []byte
	API    *openai.APIError
}

func (e *HTTPError) Error() string {
	if e.API != nil && e.API.Message != "" {
		code := ""
		if c := apiCode(e.API); c != "" {
			code = " " + c
		}
		return fmt.Sprintf("HTTP %d%s: %s", e.Status, code, e.API.Message)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, snippet(e.Body))
}

// DecodeError is a 2xx answer whose body is not a chat completion: a
// truncated or non-JSON body. It is retryable.
type DecodeError struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("HTTP %d with an unreadable body (%v): %s", e.Status, e.Err, snippet(e.Body))
}

func (e *DecodeError) Unwrap() error { return e.Err }

// apiCode returns the error's code as text: OpenAI sends a string, some
// compatible servers a number.
func apiCode(e *openai.APIError) string {
	switch c := e.Code.(type) {
	case string:
		return c
	case nil:
		return ""
	default:
		return fmt.Sprint(c)
	}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// URL returns the chat completions URL for model.
func (c *Client) URL(model string) string { return c.urlFor(model, "chat/completions") }

// urlFor returns the URL of the API's path (such as "embeddings") for
// model: under the base URL, or under Azure's deployment of model.
func (c *Client) urlFor(model, path string) string {
	base := strings.TrimRight(c.ep.BaseURL, "/")
	if !c.ep.Azure {
		return base + "/" + path
	}
	dep := c.ep.AzureDeployment
	if dep == "" {
		dep = model
	}
	ver := c.ep.AzureAPIVersion
	if ver == "" {
		ver = DefaultAzureAPIVersion
	}
	return base + "/openai/deployments/" + url.PathEscape(dep) + "/" + path + "?api-version=" + url.QueryEscape(ver)
}

// Send posts body, a complete chat request, and returns the decoded answer.
// Errors are *HTTPError, *DecodeError, or a transport error (connection
// refused or reset, timeout); classify them with Classify.
func (c *Client) Send(ctx context.Context, model string, body []byte) (*Response, error) {
	status, header, data, err := c.post(ctx, c.URL(model), body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: status, Header: header, Body: data}
	if err := json.Unmarshal(data, &out.Completion); err != nil {
		return nil, &DecodeError{Status: status, Header: header, Body: data, Err: err}
	}
	if len(out.Completion.Choices) == 0 {
		return nil, &DecodeError{Status: status, Header: header, Body: data, Err: errors.New("no choices in the answer")}
	}
	if out.NoUsage, err = checkShape(data); err != nil {
		return nil, &DecodeError{Status: status, Header: header, Body: data, Err: err}
	}
	return out, nil
}

// post makes one POST of body to u and returns a 2xx answer's status,
// headers and body (the key redacted), or an *HTTPError, a *DecodeError
// (a body cut off) or a transport error.
func (c *Client) post(ctx context.Context, u string, body []byte) (int, http.Header, []byte, error) {
	if c.ep.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.ep.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.ep.APIKey != "" {
		if c.ep.Azure {
			req.Header.Set("api-key", c.ep.APIKey)
		} else {
			req.Header.Set("Authorization", "Bearer "+c.ep.APIKey)
		}
	}
	if c.ep.OrgID != "" {
		req.Header.Set("OpenAI-Organization", c.ep.OrgID)
	}
	if c.ep.ProjectID != "" {
		req.Header.Set("OpenAI-Project", c.ep.ProjectID)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.redact(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err == nil && len(data) > maxResponseBytes {
		err = fmt.Errorf("answer larger than %d MiB", maxResponseBytes>>20)
		data = data[:1024]
	}
	if err != nil {
		// A body cut off mid-way is the server's fault and worth a retry.
		return 0, nil, nil, &DecodeError{Status: resp.StatusCode, Header: resp.Header, Body: data, Err: c.redact(err)}
	}
	// Redact here, before the body reaches an error, a row, a log line or
	// the state database: a server (or proxy) that echoes the request's
	// headers back must not make the key part of the job's data.
	data = c.redactBytes(data)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		he := &HTTPError{Status: resp.StatusCode, Header: resp.Header, Body: data}
		var er openai.ErrorResponse
		if json.Unmarshal(data, &er) == nil && er.Error != nil {
			er.Error.HTTPStatusCode = resp.StatusCode
			er.Error.Message = c.redactString(er.Error.Message)
			he.API = er.Error
		}
		return 0, nil, nil, he
	}
	return resp.StatusCode, resp.Header, data, nil
}

// redact removes the API key from an error's text. Transport errors quote
// URLs, and a misconfigured base URL could carry the key in it.
func (c *Client) redact(err error) error {
	if c.ep.APIKey == "" || !strings.Contains(err.Error(), c.ep.APIKey) {
		return err
	}
	return &redactedError{msg: c.redactString(err.Error()), err: err}
}

// redactBytes removes the key from a body. It costs one scan when the key
// is absent, which is every time but for a misbehaving server.
func (c *Client) redactBytes(b []byte) []byte {
	if c.ep.APIKey == "" || !bytes.Contains(b, []byte(c.ep.APIKey)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(c.ep.APIKey), []byte("[redacted]"))
}

// Headers returns the response headers an error carries: error answers
// carry the rate-limit headers too. ok is false when no answer arrived.
func Headers(err error) (h http.Header, ok bool) {
	var he *HTTPError
	var de *DecodeError
	switch {
	case errors.As(err, &he):
		return he.Header, true
	case errors.As(err, &de):
		return de.Header, true
	}
	return nil, false
}

func (c *Client) redactString(s string) string {
	if c.ep.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.ep.APIKey, "[redacted]")
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
