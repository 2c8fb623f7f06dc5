import { describe, expect, it } from "vitest";
import { renderExposition, withPart } from "./exposition.js";

describe("renderExposition", () => {
  it("writes HELP and TYPE once per family, merges parts, escapes labels and help", () => {
    const fam = (part: string, v: number) =>
      withPart(
        [
          {
            name: "process_cpu_seconds_total",
            help: "CPU\\time\nused",
            type: "counter",
            samples: [{ name: "process_cpu_seconds_total", labels: {}, value: v }],
          },
        ],
        part,
      );
    const text = renderExposition([
      ...fam("router", 1.5),
      ...fam("prober/dsl", 2),
      {
        name: "x_info",
        help: "h",
        type: "gauge",
        samples: [{ name: "x_info", labels: { v: 'a"b\\c' }, value: 1 }],
      },
      { name: "empty", help: "h", type: "gauge", samples: [] },
      {
        name: "h_seconds",
        help: "h",
        type: "histogram",
        samples: [
          { name: "h_seconds_bucket", labels: { le: "+Inf" }, value: 3 },
          { name: "h_seconds_sum", labels: {}, value: Number.POSITIVE_INFINITY },
        ],
      },
    ]);
    expect(text).toBe(
      [
        "# HELP process_cpu_seconds_total CPU\\\\time\\nused",
        "# TYPE process_cpu_seconds_total counter",
        'process_cpu_seconds_total{part="router"} 1.5',
        'process_cpu_seconds_total{part="prober/dsl"} 2',
        "# HELP x_info h",
        "# TYPE x_info gauge",
        'x_info{v="a\\"b\\\\c"} 1',
        "# HELP h_seconds h",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="+Inf"} 3',
        "h_seconds_sum +Inf",
        "",
      ].join("\n"),
    );
  });
});
