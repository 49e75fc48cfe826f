// The ADQL editor: CodeMirror 6 with SQL highlighting (ADQL's keywords and functions added),
// completion of the published tables and columns, Ctrl/Cmd-Enter to run, and the service's
// errors shown at their line and column.

import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Compartment, EditorState } from "@codemirror/state";
import { sql, SQLDialect, StandardSQL } from "@codemirror/lang-sql";
import { setDiagnostics } from "@codemirror/lint";

const ADQL_KEYWORDS =
  "top offset area box centroid circle contains coord1 coord2 coordsys distance intersects point polygon region " +
  "ilike";
const ADQL_BUILTINS =
  "abs ceiling degrees exp floor log log10 mod pi power radians sqrt rand round truncate acos asin atan atan2 " +
  "cos cot sin tan lower upper trim count avg min max sum coalesce cast in_unit gavo_normal_random";

export const ADQL = SQLDialect.define({
  keywords: `${StandardSQL.spec.keywords} ${ADQL_KEYWORDS}`,
  builtin: `${StandardSQL.spec.builtin ?? ""} ${ADQL_BUILTINS}`,
  types: StandardSQL.spec.types,
  identifierQuotes: '"',
});

export function createEditor(parent, { label, onRun, initial = "" }) {
  const language = new Compartment();
  let marked = false;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        keymap.of([{ key: "Mod-Enter", preventDefault: true, run: () => (onRun(), true) }]),
        basicSetup,
        language.of(sql({ dialect: ADQL, upperCaseKeywords: true })),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
        EditorView.updateListener.of((update) => {
          // an edit makes the last error's position stale: clear it after this update
          if (update.docChanged && marked) {
            marked = false;
            queueMicrotask(() => view.dispatch(setDiagnostics(view.state, [])));
          }
        }),
      ],
    }),
  });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value }, selection: { anchor: 0 } });
    },
    /** Completion of TAP_SCHEMA's tables and columns ({"lcdb.dataset": ["id", ...]}). */
    setSchema(schema) {
      view.dispatch({ effects: language.reconfigure(sql({ dialect: ADQL, upperCaseKeywords: true, schema })) });
    },
    insert(text) {
      const { from, to } = view.state.selection.main;
      view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
      view.focus();
    },
    /** Marks the error at 1-based `line`, `column` (clamped to the text) and puts the cursor there. */
    showError(line, column, message) {
      const doc = view.state.doc;
      const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
      const from = Math.min(at.from + Math.max(column, 1) - 1, at.to);
      const word = /^[\w."]+/.exec(doc.sliceString(from, at.to));
      const to = Math.min(from + (word ? word[0].length : 1), doc.length);
      view.dispatch(
        setDiagnostics(view.state, [{ from, to: Math.max(to, from), severity: "error", message }]),
      );
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
      marked = true;
      return { from, to };
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
    },
    focus() {
      view.focus();
    },
  };
}
