package graphiql

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
)

// web holds the page's template and every file the page loads.
//
//go:embed web
var web embed.FS

// pageTemplate is the page; it is rendered once per Handler, not served
// as an asset.
const pageTemplate = "page.html"

// loadAssets reads the embedded files into assets by their path below
// web/.
func loadAssets() (map[string]*asset, error) {
	root, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	assets := map[string]*asset{}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == pageTemplate {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		assets[name] = newAsset(body, contentType(name))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("graphiql: embedded assets: %w", err)
	}
	return assets, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}
