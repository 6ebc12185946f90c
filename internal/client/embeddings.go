package client

import "context"

// EmbeddingsURL returns the embeddings URL for model: the base URL's
// /embeddings, or Azure's deployment path for it.
func (c *Client) EmbeddingsURL(model string) string { return c.urlFor(model, "embeddings") }

// Embed posts body, a complete embeddings request (internal/embed), and
// returns the 2xx answer with its body as received (key redacted) and no
// Completion: decoding the vectors is the caller's (embed.DecodeResponse),
// since only it knows how many inputs the request carried. Errors are those
// of Send, and Classify reads them the same way.
func (c *Client) Embed(ctx context.Context, model string, body []byte) (*Response, error) {
	status, header, data, err := c.post(ctx, c.EmbeddingsURL(model), body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: status, Header: header, Body: data}, nil
}
