package graphiql

import (
	"bytes"
	"fmt"
	"html/template"
)

// pageConfig is what the page's script reads from the page (the
// #sailgraph-config JSON block): the content security policy allows no
// inline script, so configuration travels as data.
type pageConfig struct {
	Endpoint string    `json:"endpoint"`
	Title    string    `json:"title"`
	Examples []Example `json:"examples"`
}

// renderPage renders the page for opts once; its asset URLs carry each
// asset's version, so that a new build is never served from a stale cache.
func renderPage(opts Options, assets map[string]*asset) (*asset, error) {
	examples := opts.Examples
	if examples == nil {
		examples = []Example{}
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := assets[name]
			if !ok {
				return "", fmt.Errorf("no asset %q", name)
			}
			return AssetsPath + name + "?v=" + a.version, nil
		},
	}
	tmpl, err := template.New(pageTemplate).Funcs(funcs).ParseFS(web, "web/"+pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("graphiql: page template: %w", err)
	}
	var buf bytes.Buffer
	data := struct {
		Title  string
		Config pageConfig
	}{opts.Title, pageConfig{Endpoint: opts.Endpoint, Title: opts.Title, Examples: examples}}
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("graphiql: page template: %w", err)
	}
	return newAsset(buf.Bytes(), "text/html; charset=utf-8"), nil
}
