import { generate } from "./bench/compile.ts";
import { parseDeclarations } from "./components/model/validate.ts";
import { McpAuthDeclarationSchema } from "./components/model/declarations.ts";
import { compile } from "./components/index.ts";
import { runRules, rules } from "./components/rules/index.ts";
for (const n of [250, 500, 1000]) {
  const d = generate(n);
  for (let rep = 0; rep < 2; rep++) {
  let t = performance.now();
  McpAuthDeclarationSchema.safeParse(d, { reportInput: true }); const zod = performance.now() - t;
  t = performance.now(); parseDeclarations(d); const parse = performance.now() - t;
  t = performance.now(); const p = compile(d); const comp = performance.now() - t;
  const per: string[] = [];
  for (const r of rules) { t = performance.now(); r.check(p); const x = performance.now() - t; if (x > 5) per.push(`${r.id}=${x.toFixed(0)}`); }
  t = performance.now(); runRules(p); const rr = performance.now() - t;
  console.log(n, `zod=${zod.toFixed(0)} parse=${parse.toFixed(0)} compile=${comp.toFixed(0)} rules=${rr.toFixed(0)}`, per.join(" "));
  }
}
