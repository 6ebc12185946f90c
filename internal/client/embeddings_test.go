package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEmbedPostsToTheEmbeddingsPath(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusBadRequest)
		}
		w.Write([]byte(`{"object":"list","data":[],"echo":"sk-secret"}`))
	}))
	defer srv.Close()
	c := NewClient(Endpoint{BaseURL: srv.URL + "/v1/", APIKey: "sk-secret"}, nil, 2)
	resp, err := c.Embed(context.Background(), "text-embedding-3-small", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if path != "/v1/embeddings" || string(resp.Body) != `{"object":"list","data":[],"echo":"[redacted]"}` {
		t.Fatalf("posted to %s, body %s", path, resp.Body)
	}
	az := NewClient(Endpoint{BaseURL: "https://x.openai.azure.com", Azure: true}, nil, 2)
	if got := az.EmbeddingsURL("emb"); got != "https://x.openai.azure.com/openai/deployments/emb/embeddings?api-version="+DefaultAzureAPIVersion {
		t.Fatalf("Azure URL %s", got)
	}
}
