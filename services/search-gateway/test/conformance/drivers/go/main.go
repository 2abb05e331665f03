// Conformance driver for the official Go client (github.com/typesense/typesense-go).
//
// Reads {"url", "key", "cases": [{"name", "steps": [{"op", ...}]}]} as JSON on stdin, runs every step
// through the client's own API and prints one JSON line per case: {"case", "results": [...]}, each
// result {"ok": <what the client returned>}, {"status": <HTTP status of the error it returned>} or
// {"unsupported": true}. The step language is described in ../../client-cases.test-support.ts. Typed parameters
// (schemas, search parameters) are filled from the step's JSON through the client's own json tags.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/typesense/typesense-go/v2/typesense"
	"github.com/typesense/typesense-go/v2/typesense/api"
)

type step map[string]any

type request struct {
	URL   string `json:"url"`
	Key   string `json:"key"`
	Cases []struct {
		Name  string `json:"name"`
		Steps []step `json:"steps"`
	} `json:"cases"`
}

var errUnsupported = errors.New("unsupported")

// into fills a typed value from a step argument, through JSON and the client's json tags.
func into[T any](v any) (*T, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := new(T)
	return out, json.Unmarshal(raw, out)
}

func str(s step, k string) string { v, _ := s[k].(string); return v }

func readAll(r io.ReadCloser, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return string(b), err
}

func call(ctx context.Context, c *typesense.Client, s step) (any, error) {
	switch str(s, "op") {
	case "health":
		return c.Health(ctx, 10*time.Second)
	case "collections.create":
		schema, err := into[api.CollectionSchema](s["schema"])
		if err != nil {
			return nil, err
		}
		return c.Collections().Create(ctx, schema)
	case "collections.list":
		return c.Collections().Retrieve(ctx)
	case "collection.retrieve":
		return c.Collection(str(s, "name")).Retrieve(ctx)
	case "collection.update":
		schema, err := into[api.CollectionUpdateSchema](s["schema"])
		if err != nil {
			return nil, err
		}
		return c.Collection(str(s, "name")).Update(ctx, schema)
	case "collection.delete":
		return c.Collection(str(s, "name")).Delete(ctx)
	case "documents.create":
		return c.Collection(str(s, "collection")).Documents().Create(ctx, s["document"])
	case "documents.upsert":
		return c.Collection(str(s, "collection")).Documents().Upsert(ctx, s["document"])
	case "document.retrieve":
		return c.Collection(str(s, "collection")).Document(str(s, "id")).Retrieve(ctx)
	case "document.update":
		return c.Collection(str(s, "collection")).Document(str(s, "id")).Update(ctx, s["document"])
	case "document.delete":
		return c.Collection(str(s, "collection")).Document(str(s, "id")).Delete(ctx)
	case "documents.deleteByFilter":
		filter := str(s, "filter_by")
		return c.Collection(str(s, "collection")).Documents().Delete(ctx, &api.DeleteDocumentsParams{FilterBy: &filter})
	case "documents.import":
		action := str(s, "action")
		return readAll(c.Collection(str(s, "collection")).Documents().ImportJsonl(ctx, strings.NewReader(str(s, "jsonl")), &api.ImportDocumentsParams{Action: &action}))
	case "documents.export":
		return readAll(c.Collection(str(s, "collection")).Documents().Export(ctx))
	case "documents.search":
		params, err := into[api.SearchCollectionParams](s["params"])
		if err != nil {
			return nil, err
		}
		return c.Collection(str(s, "collection")).Documents().Search(ctx, params)
	case "multiSearch":
		common, err := into[api.MultiSearchParams](s["common"])
		if err != nil {
			return nil, err
		}
		searches, err := into[api.MultiSearchSearchesParameter](map[string]any{"searches": s["searches"]})
		if err != nil {
			return nil, err
		}
		return c.MultiSearch.Perform(ctx, common, *searches)
	case "aliases.upsert":
		target := str(s, "collection")
		return c.Aliases().Upsert(ctx, str(s, "name"), &api.CollectionAliasSchema{CollectionName: target})
	case "aliases.list":
		aliases, err := c.Aliases().Retrieve(ctx)
		// The client answers the list itself; the suite reads Typesense's {"aliases": [...]}.
		return map[string]any{"aliases": aliases}, err
	case "alias.retrieve":
		return c.Alias(str(s, "name")).Retrieve(ctx)
	case "alias.delete":
		return c.Alias(str(s, "name")).Delete(ctx)
	}
	return nil, errUnsupported
}

func runStep(ctx context.Context, c *typesense.Client, s step) map[string]any {
	value, err := call(ctx, c, s)
	var httpErr *typesense.HTTPError
	switch {
	case err == nil:
		return map[string]any{"ok": value}
	case errors.Is(err, errUnsupported):
		return map[string]any{"unsupported": true}
	case errors.As(err, &httpErr):
		return map[string]any{"status": httpErr.Status}
	}
	fmt.Fprintf(os.Stderr, "step %v failed without an HTTP status: %v\n", s["op"], err)
	os.Exit(1)
	return nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		os.Exit(2)
	}
	client := typesense.NewClient(
		typesense.WithServer(req.URL),
		typesense.WithAPIKey(req.Key),
		typesense.WithConnectionTimeout(10*time.Second),
		typesense.WithNumRetries(0),
	)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	ctx := context.Background()
	for _, cs := range req.Cases {
		results := make([]map[string]any, 0, len(cs.Steps))
		for _, s := range cs.Steps {
			results = append(results, runStep(ctx, client, s))
		}
		if err := enc.Encode(map[string]any{"case": cs.Name, "results": results}); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
	}
}
