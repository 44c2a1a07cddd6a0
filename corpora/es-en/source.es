VALENCIA, 14 de marzo de 2026 (Redacción). – Las lluvias torrenciales caídas durante la noche del jueves obligaron a evacuar a más de 3.200 vecinos de seis municipios de la comarca de la Ribera Alta, según informó este viernes la Generalitat.
En algunas zonas se registraron hasta 180 litros por metro cuadrado en menos de doce horas, la cifra más alta desde octubre de 2024.
"Hemos activado el nivel 2 del plan de emergencias y hemos solicitado la colaboración de la Unidad Militar de Emergencias", declaró la consejera de Justicia e Interior, Sra. Lucía Benavent, en una rueda de prensa.
Los servicios de emergencia atendieron 1.450 llamadas entre las 22.00 y las 6.00 horas.
Dos personas resultaron heridas leves cuando su vehículo fue arrastrado por la corriente en un paso inferior de Alzira.
No se ha registrado ningún fallecido, aunque los bomberos siguen buscando a un hombre de 67 años cuya familia denunció su desaparición a primera hora de la mañana.
La Agencia Estatal de Meteorología (Aemet) mantiene el aviso rojo en el litoral sur de la provincia hasta las 18.00 horas del sábado.
Según el organismo, una depresión aislada en niveles altos de la atmósfera seguirá descargando precipitaciones intensas durante al menos otras 36 horas.
Las clases se han suspendido en 41 centros educativos y la línea C-2 de Cercanías permanece cortada entre Xàtiva y Moixent.
El alcalde de Alzira, Sr. Tomás Ibars, pidió a los vecinos que no utilicen el coche salvo en caso de necesidad.
"El agua ha bajado un poco, pero el río Júcar sigue muy por encima de su nivel normal", advirtió.
Los agricultores de la zona calculan que las pérdidas en los campos de cítricos podrían superar los 25 millones de euros.
MADRID, 16 de marzo de 2026 (Redacción). – La Comunidad de Madrid aprobó este lunes la ampliación de la línea 11 de Metro, un proyecto de 1.050 millones de euros que conectará Plaza Elíptica con Valdebebas en 2031.
La nueva traza tendrá 21 kilómetros y 17 estaciones, de las cuales siete permitirán el transbordo con otras líneas.
El consejero de Transportes, Sr. Andrés Olmedo, aseguró que la obra reducirá en un 30 % el tiempo de viaje entre el sur y el norte de la capital.
"Es la mayor inversión en transporte público de la última década", subrayó Olmedo durante la presentación del proyecto en la Real Casa de Correos.
Las obras comenzarán en el segundo semestre de 2027 y se ejecutarán en cuatro tramos.
El primero, entre Plaza Elíptica y Atocha, será el más complejo porque discurre bajo el casco histórico.
Según las previsiones del Gobierno regional, la línea transportará unos 180.000 viajeros al día cuando esté completamente en servicio.
La oposición criticó que el proyecto llega con "más de diez años de retraso" y reclamó un calendario vinculante.
La portavoz socialista en la Asamblea, Sra. Nuria Callejo, afirmó que los vecinos de Carabanchel "llevan demasiado tiempo esperando".
El Ministerio de Transportes aportará 310 millones de euros a través de fondos europeos, según el convenio firmado el pasado 2 de febrero.
Durante las obras, la estación de Legazpi cerrará de forma parcial durante al menos ocho meses.
Metro de Madrid habilitará autobuses gratuitos entre las estaciones afectadas.
WASHINGTON, 17 de marzo de 2026 (Redacción). – España y EE. UU. acordaron este martes crear un grupo de trabajo para reducir los aranceles que afectan al aceite de oliva y a otros productos agroalimentarios españoles.
El acuerdo se alcanzó tras una reunión de casi tres horas entre la ministra de Economía, Sra. Carmen Aldana, y el representante comercial estadounidense, Sr. Peter Hollis.
Las exportaciones españolas de aceite de oliva a EE. UU. cayeron un 18 % en 2025, hasta los 940 millones de euros.
"No hemos resuelto todas las diferencias, pero hoy hemos dado un paso importante", dijo Aldana a los periodistas a la salida del encuentro.
Hollis, por su parte, calificó la conversación de "franca y constructiva" y anunció que visitará Madrid antes del verano.
El grupo de trabajo presentará sus primeras conclusiones en un plazo de 90 días.
Las organizaciones agrarias recibieron el anuncio con prudencia.
"Llevamos seis años pagando un arancel que no tiene ninguna justificación", lamentó el presidente de la asociación de productores Oliva Sur, Sr. Ramón Quesada.
Según datos del Instituto Español de Comercio Exterior (ICEX), el sector da empleo directo a unas 32.000 personas en Andalucía.
La próxima ronda de negociaciones está prevista para el 12 de mayo en Bruselas, con la participación de la Comisión Europea.
