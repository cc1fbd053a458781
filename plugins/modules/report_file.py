# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name (plugins/action/report_file.py).

DOCUMENTATION = r"""
---
module: report_file
short_description: Write a report on the controller, under the directory ansible-playbook runs in
version_added: 0.1.0
description:
  - Writes a report (JSON, Markdown, HTML, ...) on the Ansible controller, creating its directory, replacing the
    file in one step so that no reader sees half a report.
  - A relative O(path) is taken from the directory C(ansible-playbook) was started from, never from the playbook's
    directory or from an installed collection.
  - A report is not a change to what the playbook manages, so it is written in check mode too and the task never
    reports C(changed).
  - Runs entirely in the controller's process (an action plugin), whatever host the task runs for.
options:
  path:
    description: Where to write the report; relative to the directory C(ansible-playbook) was started from.
    type: path
    required: true
  content:
    description:
      - What to write. With O(format=json), any data, written as indented JSON with a final newline.
      - With O(format=text), the text as it is.
    type: raw
    required: true
  format:
    description: How O(content) is written.
    type: str
    choices: [json, text]
    default: json
  mode:
    description: The file's permissions, in octal.
    type: raw
    default: "0644"
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The report is written in check mode too; it changes nothing the playbook manages.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
    details: Runs on the controller, whatever host the task runs for.
author:
  - Diatonic platform engineering (@diatonic)
"""

EXAMPLES = r"""
- name: Write what this play found as JSON
  diatonic.partnercentral.report_file:
    path: reports/my-checks.json
    content: "{{ my_report }}"
  run_once: true

- name: Write the Markdown a person reads
  diatonic.partnercentral.report_file:
    path: reports/my-checks.md
    content: "{{ lookup('ansible.builtin.template', 'my-checks.md.j2') }}"
    format: text
  run_once: true
"""

RETURN = r"""
path:
  description: The absolute path written.
  returned: success
  type: str
  sample: /home/ops/work/reports/my-checks.json
size:
  description: The report's size in bytes.
  returned: success
  type: int
  sample: 2048
"""
