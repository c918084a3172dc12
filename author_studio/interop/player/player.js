// Author Studio story player: plays the story.json inlined in the page.
// Story text is only ever inserted with textContent, so markup and scripts in
// imported Twine passages show as text and never run.
"use strict";

(function () {
  // ---- Story-state expressions -------------------------------------------
  // The same grammar as author_studio/domain/expressions.py. Loosest first:
  // or, and, not, comparisons (no chaining), + -, * / (integer division
  // truncating toward zero), unary -, parentheses.

  class ExpressionError extends Error {}

  function tokenize(text) {
    const tokens = [];
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (/\s/.test(c)) { i += 1; continue; }
      if (/[0-9]/.test(c)) {
        let j = i;
        while (j < text.length && /[0-9]/.test(text[j])) j += 1;
        tokens.push({ t: "int", v: parseInt(text.slice(i, j), 10), at: i });
        i = j;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        let j = i;
        while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j += 1;
        const word = text.slice(i, j);
        if (word === "true" || word === "false") {
          tokens.push({ t: "bool", v: word === "true", at: i });
        } else if (word === "and" || word === "or" || word === "not") {
          tokens.push({ t: word, at: i });
        } else {
          tokens.push({ t: "name", v: word, at: i });
        }
        i = j;
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        let value = "";
        while (j < text.length && text[j] !== '"') {
          if (text[j] === "\\") {
            if (text[j + 1] !== '"' && text[j + 1] !== "\\") {
              throw new ExpressionError("column " + (j + 1) + ": only \\\" and \\\\ escapes are allowed");
            }
            value += text[j + 1];
            j += 2;
          } else { value += text[j]; j += 1; }
        }
        if (j >= text.length) throw new ExpressionError("column " + (i + 1) + ": unterminated string");
        tokens.push({ t: "str", v: value, at: i });
        i = j + 1;
        continue;
      }
      const two = text.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "+=", "-="].includes(two)) {
        tokens.push({ t: two, at: i });
        i += 2;
        continue;
      }
      if ("<>+-*/()=;".includes(c)) { tokens.push({ t: c, at: i }); i += 1; continue; }
      throw new ExpressionError("column " + (i + 1) + ": unexpected character " + c);
    }
    tokens.push({ t: "end", at: text.length });
    return tokens;
  }

  function Parser(text) {
    this.tokens = tokenize(text);
    this.i = 0;
  }
  Parser.prototype.peek = function () { return this.tokens[this.i]; };
  Parser.prototype.next = function () { return this.tokens[this.i++]; };
  Parser.prototype.expect = function (type) {
    const token = this.next();
    if (token.t !== type) {
      throw new ExpressionError("column " + (token.at + 1) + ": expected " + type);
    }
    return token;
  };
  Parser.prototype.or = function () {
    let left = this.and();
    while (this.peek().t === "or") { this.next(); left = { op: "or", a: left, b: this.and() }; }
    return left;
  };
  Parser.prototype.and = function () {
    let left = this.not();
    while (this.peek().t === "and") { this.next(); left = { op: "and", a: left, b: this.not() }; }
    return left;
  };
  Parser.prototype.not = function () {
    if (this.peek().t === "not") { this.next(); return { op: "not", a: this.not() }; }
    return this.comparison();
  };
  Parser.prototype.comparison = function () {
    const left = this.sum();
    const t = this.peek().t;
    if (["==", "!=", "<", "<=", ">", ">="].includes(t)) {
      this.next();
      const node = { op: t, a: left, b: this.sum() };
      if (["==", "!=", "<", "<=", ">", ">="].includes(this.peek().t)) {
        throw new ExpressionError("column " + (this.peek().at + 1) + ": comparisons do not chain");
      }
      return node;
    }
    return left;
  };
  Parser.prototype.sum = function () {
    let left = this.product();
    while (["+", "-"].includes(this.peek().t)) {
      const op = this.next().t;
      left = { op: op, a: left, b: this.product() };
    }
    return left;
  };
  Parser.prototype.product = function () {
    let left = this.unary();
    while (["*", "/"].includes(this.peek().t)) {
      const op = this.next().t;
      left = { op: op, a: left, b: this.unary() };
    }
    return left;
  };
  Parser.prototype.unary = function () {
    if (this.peek().t === "-") { this.next(); return { op: "neg", a: this.unary() }; }
    return this.atom();
  };
  Parser.prototype.atom = function () {
    const token = this.next();
    if (token.t === "int" || token.t === "bool" || token.t === "str") return { op: "lit", v: token.v };
    if (token.t === "name") return { op: "var", name: token.v };
    if (token.t === "(") { const inner = this.or(); this.expect(")"); return inner; }
    throw new ExpressionError("column " + (token.at + 1) + ": expected a value");
  };

  function parseCondition(text) {
    if (!text || !text.trim()) return null;
    const parser = new Parser(text);
    const expr = parser.or();
    parser.expect("end");
    return expr;
  }

  function parseEffects(text) {
    const parser = new Parser(text || "");
    const assignments = [];
    while (parser.peek().t !== "end") {
      if (parser.peek().t === ";") { parser.next(); continue; }
      const name = parser.expect("name").v;
      const op = parser.next();
      if (!["=", "+=", "-="].includes(op.t)) {
        throw new ExpressionError("column " + (op.at + 1) + ": expected =, += or -=");
      }
      assignments.push({ name: name, op: op.t, expr: parser.or() });
      if (parser.peek().t !== "end") parser.expect(";");
    }
    return assignments;
  }

  function typeOf(value) { return typeof value === "number" ? "int" : typeof value; }

  // Types are strict, as in the Python evaluator: arithmetic and ordering take
  // whole numbers, and/or/not take booleans, == and != need equal types.
  function evaluate(expr, state) {
    switch (expr.op) {
      case "lit": return expr.v;
      case "var":
        if (!(expr.name in state)) throw new ExpressionError("unknown variable " + expr.name);
        return state[expr.name];
      case "not": return !truth(evaluate(expr.a, state), "not");
      case "and": {
        const left = truth(evaluate(expr.a, state), "and");
        return left ? truth(evaluate(expr.b, state), "and") : false;
      }
      case "or": {
        const left = truth(evaluate(expr.a, state), "or");
        return left ? true : truth(evaluate(expr.b, state), "or");
      }
      case "neg": return -integer(evaluate(expr.a, state), "-");
      default: break;
    }
    const a = evaluate(expr.a, state);
    const b = evaluate(expr.b, state);
    if (expr.op === "==" || expr.op === "!=") {
      if (typeOf(a) !== typeOf(b)) {
        throw new ExpressionError("'" + expr.op + "' compares values of different types");
      }
      return (a === b) === (expr.op === "==");
    }
    integer(a, expr.op);
    integer(b, expr.op);
    switch (expr.op) {
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/":
        if (b === 0) throw new ExpressionError("division by zero");
        return Math.trunc(a / b);
      default: throw new ExpressionError("unknown operator " + expr.op);
    }
  }

  function truth(value, op) {
    if (typeof value !== "boolean") throw new ExpressionError("'" + op + "' needs true or false");
    return value;
  }
  function integer(value, op) {
    if (typeof value !== "number") throw new ExpressionError("'" + op + "' needs a whole number");
    return value;
  }

  function applyEffects(assignments, state) {
    const next = Object.assign({}, state);
    for (const item of assignments) {
      const value = evaluate(item.expr, next);
      if (item.op === "=") next[item.name] = value;
      else if (item.op === "+=") next[item.name] = integer(next[item.name], "+=") + integer(value, "+=");
      else next[item.name] = integer(next[item.name], "-=") - integer(value, "-=");
    }
    return next;
  }

  // ---- Player ------------------------------------------------------------
  const story = JSON.parse(document.getElementById("story-data").textContent);
  const scenes = new Map(story.scenes.map(function (s) { return [s.key, s]; }));
  const choicesFrom = new Map();
  for (const choice of story.choices) {
    if (!choicesFrom.has(choice.from)) choicesFrom.set(choice.from, []);
    choicesFrom.get(choice.from).push(choice);
  }
  const $ = function (id) { return document.getElementById(id); };
  const player = { scene: null, state: {}, audience: null, history: [], timer: null };
  // storyPlayer.goTo("key") jumps to a scene, for previewing a package.
  window.storyPlayer = player;

  function initialState() {
    const state = {};
    for (const variable of story.variables) state[variable.name] = variable.initial;
    return state;
  }

  function available(choice) {
    try {
      const expr = parseCondition(choice.condition);
      return expr === null || evaluate(expr, player.state) === true;
    } catch (error) {
      console.warn("Condition of choice " + choice.id + " failed: " + error.message);
      return false;
    }
  }

  function stopTimer() {
    if (player.timer !== null) { clearInterval(player.timer); player.timer = null; }
    $("timer").hidden = true;
  }

  function take(choice, how) {
    stopTimer();
    try {
      player.state = applyEffects(parseEffects(choice.effects), player.state);
    } catch (error) {
      console.warn("Effects of choice " + choice.id + " failed: " + error.message);
    }
    player.history.push({ from: player.scene, to: choice.to, choice: choice.id, how: how });
    show(choice.to);
  }

  function sceneText(scene) {
    if (player.audience !== null) {
      const audience = story.audiences[player.audience];
      const variant = audience && audience.variants[scene.key];
      if (variant) return variant.script;
    }
    return scene.script;
  }

  function renderText(container, text) {
    container.replaceChildren();
    for (const paragraph of text.split(/\n\s*\n/)) {
      if (!paragraph.trim()) continue;
      const p = document.createElement("p");
      p.textContent = paragraph;
      container.appendChild(p);
    }
  }

  function show(key) {
    const scene = scenes.get(key);
    if (!scene) { console.warn("Missing scene " + key); return; }
    player.scene = key;
    document.body.dataset.scene = key;
    $("scene-title").textContent = scene.title;
    renderText($("scene-text"), sceneText(scene));
    const list = $("choices");
    list.replaceChildren();
    const choices = (choicesFrom.get(key) || []).filter(available);
    for (const choice of choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice" + (choice.is_default ? " default" : "");
      button.dataset.choice = String(choice.id);
      button.textContent = choice.label;
      button.addEventListener("click", function () { take(choice, "chosen"); });
      const item = document.createElement("li");
      item.appendChild(button);
      list.appendChild(item);
    }
    const ended = choices.length === 0;
    // An ending scene may still offer choices (a "try again" link): it shows the
    // ending banner above them.
    $("ending").hidden = !(ended || scene.kind === "ending");
    $("ending-restart").hidden = !ended;
    document.body.dataset.ended = ended ? "true" : "false";
    startTimer(choices);
    window.scrollTo(0, 0);
  }

  function startTimer(choices) {
    stopTimer();
    const windows = choices.map(function (c) { return c.window_s; })
      .filter(function (w) { return typeof w === "number" && w > 0; });
    const fallback = choices.find(function (c) { return c.is_default; });
    if (windows.length === 0 || !fallback) return;
    const seconds = Math.min.apply(null, windows);
    const started = performance.now();
    $("timer").hidden = false;
    $("timer-label").textContent = "“" + fallback.label + "” in " + Math.ceil(seconds) + " s";
    player.timer = setInterval(function () {
      const left = Math.max(0, seconds - (performance.now() - started) / 1000);
      $("timer-fill").style.transform = "scaleX(" + (left / seconds) + ")";
      $("timer-label").textContent = "“" + fallback.label + "” in " + Math.ceil(left) + " s";
      if (left <= 0) take(fallback, "timeout");
    }, 50);
  }

  function restart() {
    stopTimer();
    player.state = initialState();
    player.history = [];
    if (story.start) show(story.start);
  }

  function setUp() {
    document.title = story.title;
    $("story-title").textContent = story.title;
    const picker = $("audience");
    if (story.audiences.length === 0) {
      $("audience-field").hidden = true;
    }
    const base = document.createElement("option");
    base.value = "";
    base.textContent = "Base script";
    picker.appendChild(base);
    story.audiences.forEach(function (audience, index) {
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = audience.name;
      picker.appendChild(option);
    });
    if (story.audiences.length > 0) { picker.value = "0"; player.audience = 0; }
    picker.addEventListener("change", function () {
      player.audience = picker.value === "" ? null : Number(picker.value);
      restart();
    });
    $("restart").addEventListener("click", restart);
    // Keys 1 to 9 take the choice with that number.
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.target instanceof HTMLSelectElement) return;
      const number = Number(event.key);
      const buttons = document.querySelectorAll("button.choice");
      if (number >= 1 && number <= buttons.length) buttons[number - 1].click();
    });
    $("ending-restart").addEventListener("click", restart);
    restart();
  }

  player.goTo = function (key) { stopTimer(); show(key); };
  window.storyExpressions = { parseCondition: parseCondition, parseEffects: parseEffects,
    evaluate: evaluate, applyEffects: applyEffects };
  setUp();
})();
