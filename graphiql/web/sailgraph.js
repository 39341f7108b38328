// Starts GraphiQL on sailgraph's endpoint with an Examples panel. The
// configuration comes from the page's #sailgraph-config JSON block: the
// page's content security policy allows no inline script.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('sailgraph-config').textContent);
  const h = React.createElement;
  const examples = config.examples;

  // ExamplesIcon is the Examples button's icon in GraphiQL's sidebar. As
  // the one part of the page that is mounted inside GraphiQL from the
  // start, it also works around two things GraphiQL 4 does not do on the
  // first render: show the plugin named visible, and fill the variables
  // editor from the first tab.
  function ExamplesIcon() {
    const ref = React.useRef(null);
    const editors = GraphiQL.React.useEditorContext({ nonNull: true });
    const started = React.useRef(false);
    React.useEffect(() => {
      const button = ref.current && ref.current.closest('button');
      const vars = editors.variableEditor;
      if (started.current || !button || !editors.queryEditor || !vars) return;
      started.current = true;
      button.click(); // show the Examples panel
      const first = examples[0];
      if (vars.getValue() === '' && first.variables && editors.queryEditor.getValue() === first.query) {
        vars.setValue(first.variables);
      }
    }, [editors.queryEditor, editors.variableEditor]);
    return h('svg', {
      ref: ref,
      viewBox: '0 0 24 24', width: '1em', height: '1em', fill: 'none',
      stroke: 'currentColor', strokeWidth: 1.5, strokeLinecap: 'round', 'aria-hidden': true,
    }, h('path', { d: 'M5 4h14v16H5zM8 8h8M8 12h8M8 16h5' }));
  }

  // ExamplesPanel lists the examples; choosing one puts its query and
  // variables into the active tab's editors.
  function ExamplesPanel() {
    const editors = GraphiQL.React.useEditorContext({ nonNull: true });
    function open(example) {
      if (editors.queryEditor) editors.queryEditor.setValue(example.query);
      if (editors.variableEditor) editors.variableEditor.setValue(example.variables || '');
      // GraphiQL learns the new operation's name only after a debounce: a
      // run started before then would name the previous operation.
      const name = operationName(example.query);
      if (name) editors.setOperationName(name);
    }
    return h('section', { className: 'sailgraph-examples', 'aria-label': 'Example queries' },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Examples'),
      h('p', { className: 'sailgraph-examples-hint' },
        'Open one in the editor, then run it with the \u25B6 button or Ctrl-Enter.'),
      h('ul', null, examples.map((example) => h('li', { key: example.title },
        h('button', {
          type: 'button',
          className: 'sailgraph-example',
          'data-example': example.title,
          onClick: () => open(example),
        },
        h('span', { className: 'sailgraph-example-title' }, example.title),
        example.description
          ? h('span', { className: 'sailgraph-example-description' }, example.description)
          : null)))));
  }

  // operationName is the name of the document's first operation, if any.
  function operationName(query) {
    try {
      const op = GraphiQL.GraphQL.parse(query).definitions.find((d) => d.kind === 'OperationDefinition');
      return op && op.name ? op.name.value : null;
    } catch (e) {
      return null;
    }
  }

  // subscriptionURL is where subscriptions go: the endpoint itself, over a
  // WebSocket. GraphiQL's fetcher runs them with the graphql-ws client it
  // bundles (the graphql-transport-ws protocol), sending the Headers tab's
  // headers (an API key) in connection_init, since a browser cannot put
  // headers on a WebSocket.
  function subscriptionURL(endpoint) {
    const u = new URL(endpoint, window.location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.href;
  }

  const props = {
    fetcher: GraphiQL.createFetcher({ url: config.endpoint, subscriptionUrl: subscriptionURL(config.endpoint) }),
  };
  if (examples.length > 0) {
    const plugin = { title: 'Examples', icon: ExamplesIcon, content: ExamplesPanel };
    const first = examples[0];
    props.plugins = [plugin];
    props.defaultTabs = [{ query: first.query, variables: first.variables || '' }];
    if (first.variables) props.defaultEditorToolsVisibility = 'variables';
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    h(GraphiQL, props, h(GraphiQL.Logo, null, config.title)));
})();
