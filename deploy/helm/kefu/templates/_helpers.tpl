{{- define "kefu.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- define "kefu.env" -}}
- name: ACTION_SERVER_URL
  value: "http://{{ .Release.Name }}-actions:{{ .Values.actions.port }}/webhook"
- name: BOT_REPLICAS
  value: "{{ .Values.rasa.replicas }}"
- name: KEFU_VAR_DIR
  value: /tmp/kefu
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
