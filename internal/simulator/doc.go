// Package simulator is an in-process, OpenAI-compatible Chat Completions
// server for tests, examples (batchprompt run --simulate) and benchmarks.
//
// It answers POST /v1/chat/completions (and the Azure-style
// /openai/deployments/{name}/chat/completions) with replies and usage that
// are a pure function of the request body, so the same request always gets
// the same text and the same token counts. Around that deterministic core it
// reproduces the parts of the real API a batch client has to survive:
// prompt tokens counted with the same tiktoken formula as package budget,
// output caps with finish_reason "length", validation errors with OpenAI's
// error bodies, RPM/TPM token buckets that charge on arrival what OpenAI
// estimates (about a token per four bytes of the messages, not the exact
// count, plus the output cap; see [Config.TPMCharge]), that another user of
// the key can drain too ([Config.ForeignRPM]), and that answer 429 with
// Retry-After and the x-ratelimit-* headers,
// insufficient_quota, bad API keys, and injected faults (500, HTML 502, 503,
// connection resets, hangs, truncated bodies) chosen deterministically from
// the request hash, its attempt number and a seed.
//
// Replies read "Simulated answer to: <first words of the last user
// message>…" followed by filler, 5–60 tokens chosen from the body's hash.
// usage.prompt_tokens is budget's chat formula; completion_tokens is the
// exact token count of the text, plus, for o-series and gpt-5 models,
// deterministic hidden reasoning_tokens (16–256), which the API bills as
// output and counts against the output cap. A reply reaching the cap
// (max_completion_tokens, else max_tokens, else the model's max output) is
// cut to exactly the cap with finish_reason "length". cached_tokens is
// always 0.
//
// Time is injected ([Config.Now], [Config.Sleep]) so rate-limit tests need no
// real sleeps. A [Server] is an [net/http.Handler] and is safe for concurrent
// use; [Start] serves one on a real listener.
package simulator
