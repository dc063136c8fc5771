import { indexMarkdown, serviceMarkdown } from './markdown';
import { examplesOf, referenceOf, SERVICES } from './services';

/** Every file of docs/config/ by name, as the generator writes it (the JSON before prettier formats it). */
export function referenceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const indexed = SERVICES.map((service) => {
    const examples = examplesOf(service);
    const reference = referenceOf(service, examples);
    files.set(`${service.name}.md`, serviceMarkdown(service, reference, examples));
    files.set(`${service.name}.schema.json`, `${JSON.stringify(reference.jsonSchema, null, 2)}\n`);
    return { service, examples };
  });
  files.set('README.md', indexMarkdown(indexed));
  return files;
}
