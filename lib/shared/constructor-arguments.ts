/**
 * Sorts out a strategy constructor's forms: `()`, `(verify)`, `(options)` and
 * `(options, verify)`. A function is never read as options, so `super()` in
 * a NestJS `PassportStrategy` mixin (which appends its `validate` callback)
 * reads env and runs `validate`, and `name` never comes from a function.
 *
 * `strategy` and `example` name the class and its usual options in the errors.
 */
export function constructorArguments<Options extends object, Verify>(
  strategy: string,
  example: string,
  first: unknown,
  second: unknown,
): { options: Options; verify?: Verify } {
  if (typeof first === 'function') {
    if (second !== undefined) {
      throw new TypeError(
        `${strategy}: pass (options, verify) or (verify) alone, not two functions; options is an object such as ${example}`,
      );
    }
    return { options: {} as Options, verify: first as Verify };
  }
  if (first !== undefined && first !== null && typeof first !== 'object') {
    throw new TypeError(`${strategy}: options must be an object such as ${example}, not ${typeof first}`);
  }
  if (second !== undefined && second !== null && typeof second !== 'function') {
    throw new TypeError(`${strategy}: verify must be a function, not ${typeof second}`);
  }
  const options = (first ?? {}) as Options;
  return typeof second === 'function' ? { options, verify: second as Verify } : { options };
}
