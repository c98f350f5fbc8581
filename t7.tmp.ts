import { generate } from "./bench/compile.ts";
import { compile } from "./components/index.ts";
import { runRules } from "./components/rules/index.ts";
const d = generate(1000);
for (let i = 0; i < 4; i++) runRules(compile(d));
