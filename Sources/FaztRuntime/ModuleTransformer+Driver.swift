extension ModuleTransformer {
    /// The JavaScript around `ts.transpileModule`, evaluated after the TypeScript compiler in the
    /// transformer's own context.
    ///
    /// `__fazt_transform(path, source)` answers JSON: `{code, lines, imports}` or `{error: {line,
    /// column, message}}`. `lines[i]` is the source line of generated line `i + 1`, read from the
    /// source map (the emitter reflows code: interfaces vanish, enums grow), so stack frames can
    /// name the author's line. `import.meta` becomes `__fazt_meta`, declared on the first line
    /// after the `"use strict"` directive, so no line moves.
    static let driver = #"""
        (function () {
          "use strict";
          const ts = globalThis.__fazt_ts;
          const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
          function sourceLines(mappings) {
            const lines = [];
            let sourceLine = 0;
            let last = 1;
            for (const group of mappings.split(";")) {
              let first = null;
              for (const segment of group.split(",")) {
                if (segment === "") continue;
                const values = [];
                let value = 0, shift = 0;
                for (let i = 0; i < segment.length; i++) {
                  const digit = B64.indexOf(segment[i]);
                  value += (digit & 31) << shift;
                  if (digit & 32) { shift += 5; continue; }
                  values.push(value & 1 ? -(value >>> 1) : value >>> 1);
                  value = 0;
                  shift = 0;
                }
                if (values.length >= 4) {
                  sourceLine += values[2];
                  if (first === null) first = sourceLine + 1;
                }
              }
              if (first !== null) last = first;
              lines.push(last);
            }
            return lines;
          }
          function importMeta(imports) {
            return (context) => (file) => {
              for (const statement of file.statements) {
                const specifier = statement.moduleSpecifier;
                if (specifier && ts.isStringLiteral(specifier) && !(statement.importClause && statement.importClause.isTypeOnly)) {
                  imports.push(specifier.text);
                }
              }
              const visit = (node) => {
                if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
                  return ts.factory.createIdentifier("__fazt_meta");
                }
                return ts.visitEachChild(node, visit, context);
              };
              return ts.visitNode(file, visit);
            };
          }
          globalThis.__fazt_transform = function (path, source) {
            const typescript = /\.m?ts$/.test(path);
            const imports = [];
            const result = ts.transpileModule(source, {
              fileName: path,
              reportDiagnostics: true,
              compilerOptions: {
                module: ts.ModuleKind.CommonJS,
                target: ts.ScriptTarget.ES2022,
                esModuleInterop: true,
                allowJs: true,
                sourceMap: true,
                newLine: ts.NewLineKind.LineFeed,
                // TypeScript drops imports used only as types; in JavaScript every import runs.
                importsNotUsedAsValues: typescript ? ts.ImportsNotUsedAsValues.Remove : ts.ImportsNotUsedAsValues.Preserve,
              },
              transformers: { before: [importMeta(imports)] },
            });
            const errors = (result.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
            if (errors.length > 0) {
              const d = errors[0];
              let line = 1, column = 1;
              if (d.file && d.start !== undefined) {
                const at = d.file.getLineAndCharacterOfPosition(d.start);
                line = at.line + 1;
                column = at.character + 1;
              }
              return JSON.stringify({ error: { line, column, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") } });
            }
            let code = result.outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "\n");
            if (code.includes("__fazt_meta")) {
              const meta = 'var __fazt_meta = { url: "file:///" + __filename, filename: "/" + __filename, dirname: "/" + __dirname };';
              code = code.startsWith('"use strict";') ? '"use strict";' + meta + code.slice(13) : meta + code;
            }
            const map = JSON.parse(result.sourceMapText || '{"mappings":""}');
            return JSON.stringify({ code, lines: sourceLines(map.mappings), imports });
          };
        })();
        """#
}
