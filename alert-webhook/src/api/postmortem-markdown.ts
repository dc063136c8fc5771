import type { Incident, Postmortem } from '@vigil/api-contract';

/**
 * One line of text from elsewhere (an alert's title, a timeline message, an owner) inside Markdown: its
 * line breaks folded and the characters Markdown would read as markup escaped, so an alert title cannot add
 * emphasis, a link or an HTML tag to the document (it never starts a line, so # and - need no escape). The prose sections are the responders' own Markdown
 * and are kept as written.
 */
export function inline(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

const section = (title: string, body: string) =>
  `## ${title}\n\n${body.trim() === '' ? '_Not written yet._' : body.trim()}\n`;

/** The postmortem as a CommonMark document, for a wiki, a ticket or a review meeting. */
export function postmortemMarkdown(incident: Incident, pm: Postmortem): string {
  const facts = [
    `- Incident: #${incident.id}, ${inline(incident.status)}, severity ${inline(incident.severity)}`,
    incident.service && `- Service: ${inline(incident.service)}`,
    incident.team && `- Team: ${inline(incident.team)}`,
    `- Opened: ${incident.opened_at}`,
    incident.resolved_at && `- Resolved: ${incident.resolved_at}`,
    `- Postmortem by ${inline(pm.created_by)} (${pm.created_at}), last updated by ${inline(pm.updated_by)} (${pm.updated_at})`,
  ].filter(Boolean);
  const timeline =
    pm.timeline.length === 0
      ? 'No entries selected.'
      : pm.timeline
          .map((e) => `- ${e.at} — ${inline(e.kind)} by ${inline(e.actor)}: ${inline(e.message)}`)
          .join('\n');
  const items =
    pm.action_items.length === 0
      ? 'None.'
      : pm.action_items
          .map((item) => {
            const details = [
              `owner ${item.owner === null ? 'nobody yet' : inline(item.owner)}`,
              item.due_date && `due ${item.due_date}`,
            ].filter(Boolean);
            return `- [${item.status === 'done' ? 'x' : ' '}] ${inline(item.title)} (${details.join(', ')})`;
          })
          .join('\n');
  return [
    `# Postmortem: #${incident.id} ${inline(incident.title)}\n`,
    `${facts.join('\n')}\n`,
    section('Summary', pm.summary),
    section('Impact', pm.impact),
    section('Root cause', pm.root_cause),
    `## Timeline\n\n${timeline}\n`,
    `## Action items\n\n${items}\n`,
  ].join('\n');
}
