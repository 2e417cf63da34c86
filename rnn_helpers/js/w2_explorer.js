// Chapter 4's live W2 explorer, computed and drawn in the browser: three range inputs (W₂, T, x₁)
// and the connectivity picture |∂y_T/∂x_t| of the linear and the tanh neuron.
//
// Each function mirrors the Python function named in its comment, operation for operation, so that
// the page draws what rnn_helpers draws: tests/test_w2_explorer_script.py compares the two.
// Numbers are written with exact decimal rounding (half to even, as Python and numpy round).
(function () {
  "use strict";
  if (window.rnnBookW2Explorer) {
    window.rnnBookW2Explorer.startAll();
    return;
  }
  const SUPERSCRIPTS = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  const SUBSCRIPTS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉" };
  const superscript = (n) => [...String(n)].map((c) => SUPERSCRIPTS[c]).join("");
  const subscript = (n) => [...String(n)].map((c) => SUBSCRIPTS[c]).join("");

  // x >= 0 as [D, k] with x = D / 10^k exactly (D a BigInt): a double is m·2^e, and 2^-1 = 5/10.
  function exactDecimal(x) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const high = view.getUint32(0), low = view.getUint32(4);
    const biased = (high >>> 20) & 0x7ff;
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
    let exponent = -1074;
    if (biased !== 0) {
      mantissa |= 1n << 52n;
      exponent = biased - 1075;
    }
    if (exponent >= 0) return [mantissa << BigInt(exponent), 0];
    return [mantissa * 5n ** BigInt(-exponent), -exponent];
  }

  // D / 10^drop rounded half to even (drop < 0 multiplies)
  function dropDigits(D, drop) {
    if (drop <= 0) return D * 10n ** BigInt(-drop);
    const unit = 10n ** BigInt(drop);
    let kept = D / unit;
    const rest = D % unit, half = unit / 2n;
    if (rest > half || (rest === half && kept % 2n === 1n)) kept += 1n;
    return kept;
  }

  // Python's f"{x:.{digits}f}"
  function fixed(x, digits) {
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    const [D, k] = exactDecimal(Math.abs(x));
    const text = dropDigits(D, k - digits).toString().padStart(digits + 1, "0");
    return sign + (digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text);
  }

  // x > 0 to two significant digits, rounded half to even from its exact value: [kept, exponent]
  // with x ≈ kept / 10 × 10^exponent and kept a BigInt from 10 to 99
  function twoSignificant(x) {
    const [D, k] = exactDecimal(x);
    let exponent = D.toString().length - 1 - k; // x = d.dd… × 10^exponent
    let kept = dropDigits(D, D.toString().length - 2);
    if (kept >= 100n) {
      kept /= 10n;
      exponent += 1;
    }
    return [kept, exponent];
  }

  // numpy.format_float_positional(x, precision=2, unique=False, fractional=False, trim="-"), x > 0
  function twoDigits(x) {
    const [kept, exponent] = twoSignificant(x);
    const digits = kept.toString(), shift = exponent - 1; // x ≈ kept × 10^shift
    let text;
    if (shift >= 0) text = digits + "0".repeat(shift);
    else if (digits.length + shift > 0) text = `${digits.slice(0, shift)}.${digits.slice(shift)}`;
    else text = `0.${"0".repeat(-(digits.length + shift))}${digits}`;
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

  // rnn_helpers.formatting.number_text
  function numberText(value) {
    value = Math.abs(value);
    if (value === 0) return "0";
    if (value >= 1e-6 && value < 1e6) return twoDigits(value);
    const [kept, exponent] = twoSignificant(value); // Python's f"{value:.1e}"
    const digits = kept.toString();
    return `${digits[0]}.${digits[1]} × 10${superscript(exponent)}`;
  }

  // rnn_helpers.connectivity.connectivity(w2, first_input_pulse(steps, size), activation)
  function connectivity(w2, steps, size, activation) {
    const a = new Float64Array(steps);
    let previous = 0.0;
    for (let t = 0; t < steps; t++) {
      a[t] = w2 * previous + (t === 0 ? size : 0.0);
      previous = activation === "linear" ? a[t] : Math.tanh(a[t]);
    }
    const grad = new Float64Array(steps);
    let upstream = 1.0;
    for (let t = steps - 1; t >= 0; t--) {
      let slope = 1.0;
      if (activation !== "linear") {
        const e = Math.exp(-2.0 * Math.abs(a[t])); // tanh_slope
        slope = (4.0 * e) / (1.0 + e) ** 2;
      }
      grad[t] = upstream * slope;
      upstream = grad[t] * w2;
    }
    return grad.map(Math.abs);
  }

  // rnn_helpers.w2_slider.step_ticks
  function stepTicks(steps) {
    if (steps <= 8) return Array.from({ length: steps }, (_, k) => k + 1);
    const spacing = steps <= 25 ? 5 : steps <= 60 ? 10 : 20;
    const ticks = [1];
    for (let t = spacing; t <= steps; t += spacing) ticks.push(t);
    return ticks;
  }

  // rnn_helpers.w2_slider.share_words
  function shareWords(share, activation, steps) {
    if (activation === "linear") {
      if (share === 0) return "nothing of x₁ arrives";
      if (share < 0.01) return "x₁ has all but vanished";
      if (share < 0.9) return "x₁ arrives shrunk";
      if (share <= 1.1) return "x₁ arrives at about its own size";
      return "x₁ is amplified and outweighs the recent inputs";
    }
    const last = `y${subscript(steps)}`;
    if (share === 0) return `a small change of x₁ does not move ${last}`;
    if (share < 0.01) return `a small change of x₁ hardly moves ${last}`;
    if (share < 0.9) return `a small change of x₁ moves ${last} less`;
    if (share <= 1.1) return `a small change of x₁ moves ${last} about as much`;
    return `a small change of x₁ is amplified in ${last}`;
  }

  // rnn_helpers.w2_slider.readout
  function readout(geometry, w2, steps, size, values) {
    const parts = geometry.neurons.map(({ activation }) => {
      const share = values[activation][0];
      return `${activation} neuron: ∂y${subscript(steps)}\u2060/\u2060∂x₁ = ${numberText(share)}, ` +
        shareWords(share, activation, steps);
    });
    return `W₂ = ${fixed(w2, 2)}, T = ${steps}, x₁ = ${numberText(size)}. ${parts.join("; ")}.`;
  }

  // rnn_helpers.w2_slider.frame_alt
  function frameAlt(geometry, w2, steps, values) {
    const described = geometry.neurons.map(({ activation }) =>
      `${activation} neuron from ${numberText(values[activation][0])} at x1 to ` +
      `${numberText(values[activation][steps - 1])} at x${steps}`);
    return "Two bar charts on a log scale, side by side, of how much each input x_t reaches the last " +
      `output y${steps} for W₂ = ${fixed(w2, 2)}: ${described.join("; ")}.`;
  }

  const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");

  // rnn_helpers.w2_slider.connectivity_svg(w2, first_input_pulse(steps, size)); geometry is its
  // _svg_geometry(). Returns [svg, values].
  function connectivitySvg(geometry, w2, steps, size) {
    const g = geometry;
    const values = {};
    for (const { activation } of g.neurons) values[activation] = connectivity(w2, steps, size, activation);
    const { width, height, size: font, panel, lefts, top, bottom, low, high, floor, ceiling } = g;
    const yOf = (value) => bottom - ((Math.log10(value) - low) / (high - low)) * (bottom - top);
    const text = (x, y, content, anchor = "middle", extra = "") =>
      `<text x="${fixed(x, 1)}" y="${fixed(y, 1)}" text-anchor="${anchor}"${extra}>${content}</text>`;
    const parts = [g.open.replace("{alt}", escapeHtml(frameAlt(g, w2, steps, values))), g.defs];
    const pulse = size !== 1 ? `,  x₁ = ${numberText(size)}` : "";
    parts.push(text(0.545 * width, 0.025 * height + 1.05 * font, `W₂ = ${fixed(w2, 2)},  T = ${steps}${pulse}`,
      "middle", ` font-weight="bold" font-size="${fixed((font * 18) / 17, 1)}" xml:space="preserve"`));
    const slot = panel / (steps + 0.4);
    g.neurons.forEach(({ activation, label, colour }, k) => {
      const left = lefts[k], right = left + panel;
      parts.push(`<rect x="${fixed(left, 1)}" y="${fixed(yOf(floor), 1)}" width="${fixed(panel, 1)}" ` +
        `height="${fixed(bottom - yOf(floor), 1)}" fill="#e4e4e4"/>`);
      parts.push(`<rect x="${fixed(left, 1)}" y="${fixed(top, 1)}" width="${fixed(panel, 1)}" ` +
        `height="${fixed(yOf(ceiling) - top, 1)}" fill="#e4e4e4"/>`);
      parts.push(text(left + panel / 2, top - 0.35 * font, label));
      for (const [exponent, tick] of g.ticks) {
        const y = yOf(Number(`1e${exponent}`));
        parts.push(`<line x1="${fixed(left - 5, 1)}" x2="${fixed(left, 1)}" y1="${fixed(y, 1)}" y2="${fixed(y, 1)}" stroke="black"/>`);
        if (k === 0) parts.push(text(left - 9, y + 0.35 * font, tick, "end"));
      }
      for (const t of stepTicks(steps)) {
        parts.push(text(left + (t - 0.3) * slot, bottom + 0.03 * (bottom - top) + 0.95 * font, `x${subscript(t)}`));
      }
      const bars = [];
      values[activation].forEach((value, index) => {
        if (!(value >= floor)) return;
        const t = index + 1;
        const y = yOf(Math.min(value, ceiling));
        const x = left + (t - 0.35 - 0.3) * slot;
        bars.push(`<rect x="${fixed(x, 1)}" y="${fixed(y, 1)}" width="${fixed(0.7 * slot, 1)}" height="${fixed(yOf(floor) - y, 1)}"/>`);
        if (value > ceiling) {
          bars.push(`<rect x="${fixed(x, 1)}" y="${fixed(y, 1)}" width="${fixed(0.7 * slot, 1)}" ` +
            `height="${fixed(yOf(floor) - y, 1)}" fill="url(#w2-hatch)"/>`);
        }
      });
      parts.push(`<g fill="${colour}">${bars.join("")}</g>`);
      parts.push(`<line x1="${fixed(left, 1)}" x2="${fixed(right, 1)}" y1="${fixed(yOf(1.0), 1)}" y2="${fixed(yOf(1.0), 1)}" ` +
        'stroke="black" stroke-width="1.5" stroke-dasharray="1.5 2.5"/>');
      parts.push(`<path d="M${fixed(left, 1)},${fixed(top, 1)}V${fixed(bottom, 1)}H${fixed(right, 1)}" fill="none" stroke="black"/>`);
      const share = values[activation][0];
      const clipped = share > ceiling ? " (cut)" : 0 < share && share < floor ? " (below)" : "";
      parts.push(text(left + 0.03 * panel, yOf(ceiling * 2.8) + 0.35 * font, `x₁: ${numberText(share)}${clipped}`,
        "start", ' font-weight="bold"'));
      const notes = [];
      if (values[activation].some((v) => v < floor)) notes.push(g.floorNote);
      if (values[activation].some((v) => v > ceiling)) notes.push(g.cutNote);
      if (notes.length) {
        parts.push(text(right - 0.03 * panel, yOf(floor / 5.5) + 0.35 * font, notes.join(";  "), "end",
          ' fill="#333333" xml:space="preserve"'));
      }
    });
    parts.push(g.close);
    return [parts.join(""), values];
  }

  // rnn_helpers.w2_explorer.explorer_picture: the picture and its caption for one state
  function picture(geometry, w2, steps, size) {
    const [svg, values] = connectivitySvg(geometry, w2, steps, size);
    return `${svg}<p class="live-caption">${escapeHtml(readout(geometry, w2, steps, size, values))}</p>`;
  }

  // x₁ = 10^(k/4): a whole power of ten read exactly, as Python's 10.0 ** n gives it
  const sizeOf = (quarter) => (quarter % 4 === 0 ? Number(`1e${quarter / 4}`) : 10 ** (quarter / 4));

  function start(root) {
    if (root.dataset.started) return;
    root.dataset.started = "yes";
    const geometry = JSON.parse(root.querySelector(".w2-explorer-geometry").textContent);
    const [w2Input, stepsInput, sizeInput] = root.querySelectorAll("input[type=range]");
    const [w2Out, stepsOut, sizeOut] = root.querySelectorAll("output");
    const view = root.querySelector(".w2-explorer-picture");
    let shown = "";
    function update() {
      const w2 = Number(w2Input.value) / 20, steps = Number(stepsInput.value), size = sizeOf(Number(sizeInput.value));
      w2Out.textContent = fixed(w2, 2);
      stepsOut.textContent = String(steps);
      sizeOut.textContent = numberText(size);
      w2Input.setAttribute("aria-valuetext", w2Out.textContent);
      sizeInput.setAttribute("aria-valuetext", sizeOut.textContent);
      root.dataset.state = JSON.stringify([w2, steps, size]);
      const html = picture(geometry, w2, steps, size);
      if (html !== shown) {
        view.innerHTML = html;
        shown = html;
      }
    }
    for (const input of [w2Input, stepsInput, sizeInput]) {
      input.disabled = false;
      input.addEventListener("input", update);
    }
    root.querySelector(".w2-explorer-notice").hidden = true;
    update();
  }

  function startAll() {
    document.querySelectorAll(".w2-explorer").forEach(start);
  }

  window.rnnBookW2Explorer = { startAll, picture, numberText, sizeOf };
  startAll();
})();
